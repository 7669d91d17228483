"""Shared by the test modules: a fake sentence encoder and running the real Snakefile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from papertopics.embed import Embedder, EmbeddingSettings

ROOT = Path(__file__).resolve().parent.parent


class FakeModel:
    """Encodes a text as [len, number of vowels, 1]; remembers what it was asked to encode."""

    def __init__(self):
        self.seen = []

    def encode(self, texts, **kwargs):
        self.seen.extend(texts)
        return np.array([[len(t), sum(c in "aeiou" for c in t), 1.0] for t in texts])


def fake_embedder(cache_dir, settings: EmbeddingSettings | None = None) -> Embedder:
    """An Embedder whose model is a :class:`FakeModel` (no real model is loaded)."""
    embedder = Embedder(settings or EmbeddingSettings(), cache_dir=cache_dir)
    embedder._model = FakeModel()
    return embedder


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    """``python -m snakemake`` on the repository's Snakefile, run in ``workdir``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
    ]


def snakemake(workdir: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """Run :func:`snakemake_command` and capture its output (no check)."""
    return subprocess.run(
        snakemake_command(workdir, *args),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
