"""Topic model settings, labels, and a real fit on separable synthetic data."""

import numpy as np
import pytest

from papertopics.topics import TopicModel, TopicSettings, readable_label


def test_readable_label_merges_overlapping_terms():
    assert readable_label(["continual", "continual learning", "forgetting", "tasks"]) == (
        "continual learning, forgetting, tasks"
    )
    assert readable_label(["federated learning", "federated", "clients", "privacy"]) == (
        "federated learning, clients, privacy"
    )


@pytest.mark.parametrize(
    ("n", "expected"), [(165, (5, 2, 41)), (10_000, (40, 8, 2500)), (75_000, (110, 22, 18750))]
)
def test_auto_cluster_sizes_scale_with_the_corpus(n, expected):
    assert TopicSettings().cluster_sizes(n) == expected


def test_explicit_cluster_sizes_win():
    settings = TopicSettings(min_cluster_size=7, min_samples=3, max_cluster_share=1.0)
    assert settings.cluster_sizes(1000) == (7, 3, 0)


@pytest.mark.slow
def test_fit_finds_planted_topics_and_is_deterministic():
    rng = np.random.default_rng(0)
    words = [
        ["federated", "clients", "server", "privacy"],
        ["experts", "router", "sparse", "gating"],
        ["forgetting", "tasks", "continual", "replay"],
    ]
    centres = rng.normal(size=(3, 32))
    docs, vectors, truth = [], [], []
    for k in range(3):
        for i in range(30):
            docs.append(" ".join(rng.choice(words[k], size=12)) + f" paper{i}")
            v = centres[k] + 0.05 * rng.normal(size=32)
            vectors.append(v / np.linalg.norm(v))
            truth.append(k)
    vectors = np.array(vectors, dtype=np.float32)
    first = TopicModel(TopicSettings(seed=1, max_cluster_share=0.5)).fit(docs, vectors)
    second = TopicModel(TopicSettings(seed=1, max_cluster_share=0.5)).fit(docs, vectors)
    assert np.array_equal(first.topics, second.topics)
    assert np.array_equal(first.coords, second.coords)
    assert (first.topics >= 0).all()  # outliers reassigned
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth, first.topics) == pytest.approx(1.0)
    labels = set(first.info["label"])
    assert any("federated" in label or "clients" in label for label in labels)
    assert first.coords.shape == (90, 2)
    assert first.centroids.shape == (len(first.info), 32)


def test_readable_label_prefers_bigrams_that_cover_top_words():
    label = readable_label(["continual", "learning", "cl", "continual learning", "forgetting"])
    assert label == "continual learning, cl, forgetting"


_CLASS_TERMS_SCRIPT = """
import json, sys
{preload}
from papertopics.topics import TopicSettings, class_terms
classes = [
    "federated clients server aggregation privacy federated",
    "experts router gating sparse experts tokens",
    "teacher student distillation logits student",
]
terms = class_terms(classes, TopicSettings())
print(json.dumps({{"terms": terms, "heavy": sorted(
    m for m in ("sentence_transformers", "torch", "bertopic") if m in sys.modules)}}))
"""


def _class_terms_in_fresh_process(preload: str) -> dict:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _CLASS_TERMS_SCRIPT.format(preload=preload)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_class_terms_uses_bertopics_ctfidf_without_importing_all_of_bertopic():
    light = _class_terms_in_fresh_process("")
    full = _class_terms_in_fresh_process("import bertopic")
    assert light["heavy"] == []
    assert "bertopic" in full["heavy"]
    assert light["terms"] == full["terms"]
    assert light["terms"][0][0][0] == "federated"
