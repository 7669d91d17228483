"""Topic model settings, labels, and a real fit on separable synthetic data."""

import numpy as np
import pytest

from papertopics.topics import (
    TopicModel,
    TopicSettings,
    common_terms,
    exact_knn,
    papers_use,
    readable_label,
    representatives,
    shared_terms,
    topic_centroids,
    topic_labels,
)


def test_topic_centroids_follow_the_order_asked():
    X = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
    labels = np.array([5, 5, 2, -1])
    np.testing.assert_array_equal(topic_centroids(X, labels, [2, 5]), [[0.0, 2.0], [2.0, 0.0]])


def test_readable_label_merges_overlapping_terms():
    assert readable_label(["continual", "continual learning", "forgetting", "tasks"]) == (
        "continual learning, forgetting, tasks"
    )
    assert readable_label(["federated learning", "federated", "clients", "privacy"]) == (
        "federated learning, clients, privacy"
    )
    assert readable_label(["demonstrations", "demonstration", "tasks", "robots"]) == (
        "demonstrations, tasks, robots"
    )


@pytest.mark.parametrize(
    ("n", "expected"), [(165, (5, 2, 41)), (10_000, (40, 8, 2500)), (75_000, (110, 22, 18750))]
)
def test_auto_cluster_sizes_scale_with_the_corpus(n, expected):
    assert TopicSettings().cluster_sizes(n) == expected


def test_explicit_cluster_sizes_win():
    settings = TopicSettings(min_cluster_size=7, min_samples=3, max_cluster_share=1.0)
    assert settings.cluster_sizes(1000) == (7, 3, 0)


@pytest.mark.parametrize(
    ("n", "runs"),
    [(3, 320), (100, 320), (165, 193), (1_415, 22), (8_000, 4), (8_001, 1), (75_000, 1)],
)
def test_auto_ensemble_spends_the_same_layout_budget_on_short_runs(n, runs):
    settings = TopicSettings()
    assert settings.ensemble_size(n) == runs
    # the layout epochs of 16000 // n runs of n_epochs each (to a short run's rounding)
    if 1 < runs < 320:
        spent = runs * settings.consensus_epochs
        assert abs(spent - (16000 // n) * settings.n_epochs) < settings.n_epochs


def test_explicit_ensemble_and_consensus_epochs_from_config():
    config = {
        "topics": {
            "seed": 1,
            "umap": {"n_neighbors": 10, "n_components": 5, "min_dist": 0.0, "metric": "cosine"},
            "hdbscan": {"min_cluster_size": "auto", "min_samples": "auto", "max_cluster_share": 1},
            "ensemble": 7,
            "consensus_epochs": 50,
            "consensus_threshold": 0.5,
            "outliers": "keep",
            "outlier_threshold": 0.0,
            "refit_share": 0.25,
            "map": {"n_neighbors": 15, "min_dist": 0.1},
        },
        "terms": {"stop_words": None, "ngram_range": [1, 1], "min_df": 1, "top_n_words": 10},
    }
    settings = TopicSettings.from_config(config)
    assert settings.ensemble_size(100_000) == 7
    assert settings.consensus_epochs == 50
    assert settings.n_epochs == TopicSettings.n_epochs


@pytest.mark.slow
def test_fit_finds_planted_topics_and_is_deterministic():
    rng = np.random.default_rng(0)
    words = [
        ["federated", "clients", "server", "privacy"],
        ["experts", "router", "sparse", "gating"],
        ["forgetting", "tasks", "continual", "class-incremental"],
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
    terms = {term for row in first.info["top_terms"] for term in row}
    assert "class-incremental" in terms and "classincremental" not in terms  # hyphens kept
    assert first.coords.shape == (90, 2)
    assert first.centroids.shape == (len(first.info), 32)


def test_shared_terms_put_one_papers_own_words_last():
    docs = [
        "ReK: retrieval with REK, REK and more ReK for RAG.",
        "Retrieval for question answering with RAG.",
        "Evaluating retrieval-augmented generation (RAG).",
    ]
    terms = ["rek", "rag", "retrieval", "question answering", "retrieval-augmented"]
    assert shared_terms(terms, docs) == [
        "rag",
        "retrieval",
        "rek",
        "question answering",
        "retrieval-augmented",
    ]
    assert shared_terms(["rek", "rag"], docs[:1]) == ["rek", "rag"]  # one paper: all shared
    assert readable_label(shared_terms(terms, docs)) == "rag, retrieval, rek"


def test_a_term_of_one_paper_does_not_narrow_a_shared_one_in_a_label():
    docs = [
        "Query rewriting for retrieval.",
        "Query augmentation expands each query.",
        "Documents and query logs.",
    ]
    terms = ["query", "documents", "retrieval", "query augmentation"]
    assert papers_use(terms, docs) == {"query"}
    assert readable_label(terms) == "query augmentation, documents, retrieval"
    assert readable_label(terms, upgrades=papers_use(terms, docs)) == "query, documents, retrieval"
    # a bigram that two papers use still replaces its word
    docs.append("Query augmentation again.")
    assert readable_label(terms, upgrades=papers_use(terms, docs)) == (
        "query augmentation, documents, retrieval"
    )
    topics = np.zeros(len(docs), dtype=int)
    label = topic_labels({0: terms}, topics, docs, TopicSettings())
    assert label[0].startswith("query augmentation")
    assert topic_labels({0: terms}, topics[:3], docs[:3], TopicSettings())[0].startswith("query,")


def test_labels_pass_over_words_most_papers_of_the_corpus_use():
    corpus = [f"We {'train' if i % 2 else 'fit'} models on data about {i}." for i in range(8)] + [
        "Retrieval for question answering with RAG: models trained on data.",
        "Evaluating retrieval and generation (RAG) models on data.",
    ]
    common = common_terms(["models", "data", "rag", "retrieval", "train"], corpus)
    assert common == {"models", "data"}  # in all 10 papers; "train" in 4: not over half
    assert common_terms(["models", "rag"], corpus, sample=5) == {"models"}  # counted on 5
    terms = ["models", "data", "rag", "retrieval", "question answering"]
    topic = corpus[8:]
    assert shared_terms(terms, topic, common=common) == [
        "rag",
        "retrieval",
        "models",
        "data",
        "question answering",  # one paper's: last, as before
    ]
    assert readable_label(shared_terms(terms, topic, common=common)) == "rag, retrieval, models"
    assert common_terms(["models"], []) == set()


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


def test_exact_knn_matches_brute_force_and_lists_each_point_first():
    from sklearn.metrics import pairwise_distances

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    X[7] = X[3]  # an exact duplicate: the point itself must still come first
    indices, distances, index = exact_knn(X, 5, "cosine")
    assert index is None
    assert indices.shape == distances.shape == (60, 5)
    assert (indices[:, 0] == np.arange(60)).all()
    assert np.allclose(distances[:, 0], 0, atol=1e-6)
    assert indices[3, 1] == 7 and indices[7, 1] == 3
    full = pairwise_distances(X, metric="cosine")
    for i in range(60):
        expected = np.sort(full[i])[:5]
        assert np.allclose(np.sort(distances[i]), expected, atol=1e-5)
        assert np.allclose(full[i, indices[i]], distances[i], atol=1e-5)


_BERTOPIC_IMPORT_SCRIPT = """
import json, sys
{preload}
from papertopics.topics import bertopic_class
BERTopic = bertopic_class()
loaded = sorted(m for m in ("sentence_transformers", "transformers", "torch") if m in sys.modules)
finders = [type(f).__name__ for f in sys.meta_path]
blocked = sorted(name for name, module in sys.modules.items() if module is None)
import sentence_transformers  # still importable afterwards, and torch with it
import torch
from bertopic.backend import MultiModalBackend
print(json.dumps({{"loaded": loaded, "blocked": blocked, "class": BERTopic.__name__,
                   "finders": finders, "torch": torch.__version__,
                   "vision": type(MultiModalBackend).__name__}}))
"""


def _bertopic_in_fresh_process(preload: str) -> dict:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _BERTOPIC_IMPORT_SCRIPT.format(preload=preload)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.slow
def test_bertopic_class_skips_bertopics_optional_model_backends():
    light = _bertopic_in_fresh_process("")
    assert light["class"] == "BERTopic"
    assert light["loaded"] == []  # neither sentence-transformers, transformers nor torch
    assert "_Unavailable" not in light["finders"]  # the import finder is gone again
    assert light["blocked"] == []  # nothing left reported missing
    assert light["vision"] == "NotInstalled"
    # already imported: used as it is, nothing blocked
    preloaded = _bertopic_in_fresh_process("import sentence_transformers")
    assert preloaded["vision"] == "type"


def test_representatives_are_the_papers_closest_to_their_topics_centre():
    angles = np.radians([0, 10, -10, 40, 5, 90])
    embeddings = np.column_stack([np.cos(angles), np.sin(angles)])
    topics = np.array([0, 0, 0, 0, 0, 1])
    # the centre of topic 0 lies near 9 degrees: 10, 5, 0, -10 then 40 degrees away
    assert representatives(embeddings, topics, 0, n=3) == [1, 4, 0]
    assert representatives(embeddings, topics, 1) == [5]


@pytest.mark.parametrize("n", [1, 2, 4, 6])
def test_a_corpus_of_a_few_papers_fits_with_every_paper_an_outlier(n):
    """Fewer papers than a cluster needs skip UMAP and HDBSCAN (which fail on one or two),
    and just above it UMAP starts at random (its spectral start needs more points than
    dimensions: 6 papers in 5 dimensions)."""
    rng = np.random.default_rng(n)
    vectors = rng.normal(size=(n, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [f"federated clients share models, paper {i}" for i in range(n)]
    result = TopicModel(TopicSettings(seed=1)).fit(docs, vectors)
    assert result.topics.tolist() == [-1] * n
    assert result.info["topic"].tolist() == [-1] and result.info["size"].tolist() == [n]
    assert result.coords.shape == (n, 2) and np.isfinite(result.coords).all()
    assert result.params["ensemble_runs"] == (1 if n < 5 else TopicSettings().ensemble_size(n))
    # clusters of two allowed, one UMAP run: two papers are still too few for UMAP
    if n <= 2:
        settings = TopicSettings(seed=1, min_cluster_size=2, min_samples=1, ensemble=1)
        assert TopicModel(settings).fit(docs, vectors).topics.tolist() == [-1] * n
