"""Filling the embedding cache one listing at a time, for a cluster (rule ``embed_listing``).

With ``embedding.per_listing: true`` each listing gets its own embedding job, so that a
scheduler such as SLURM spreads the encoding over many nodes. Each job embeds what the
single ``embed`` job would need from its listing — paper texts, keyword-hit sentences of the
theme sense check, and the theme texts — into the shared content-addressed cache; the
``embed`` job then finds every text there and only assembles the arrays.

Concurrent jobs are safe: each writes its own cache shard, named after its texts, to a
temporary file that is renamed into place (see :class:`papertopics.embed.EmbeddingCache`).
Two jobs holding the same paper may both encode it; either vector is kept.

The vectors agree with those of a single ``embed`` job only to float rounding (about 1e-7):
sentence-transformers pads each batch to its longest text, and other batches change the order
of floating-point sums.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from papertopics.embed import Embedder, paper_text
from papertopics.listings import Listing, Paper, atomic_open
from papertopics.themes import Theme, candidate_sentences, theme_texts

__all__ = ["embed_papers", "fill_cache", "listing_texts"]


def listing_texts(listing: Listing, themes: Sequence[Theme], sentences_per_theme: int) -> list[str]:
    """Every text the ``embed`` job would embed for this listing's papers, and the themes.

    Args:
        listing: A parsed listing.
        themes: The themes.
        sentences_per_theme: The config's ``themes.scoring.sentences_per_theme``.

    Returns:
        Paper texts (title and abstract), keyword-hit sentences of each paper, then the theme
        texts; duplicates are kept (the embedder encodes each distinct text once).
    """
    titles = [paper.title for paper in listing.papers]
    abstracts = [paper.abstract for paper in listing.papers]
    candidates = candidate_sentences(titles, abstracts, themes, sentences_per_theme)
    return [
        *(paper_text(title, abstract) for title, abstract in zip(titles, abstracts, strict=True)),
        *candidates["sentence"].tolist(),
        *theme_texts(themes),
    ]


def fill_cache(
    listing: Listing,
    embedder: Embedder,
    themes: Sequence[Theme],
    sentences_per_theme: int,
    summary_path: str | Path,
) -> dict:
    """Embed a listing's texts into the embedder's cache and write a one-line JSON summary.

    Args:
        listing: A parsed listing.
        embedder: An embedder with a cache folder (vectors are kept only there).
        themes: The themes.
        sentences_per_theme: The config's ``themes.scoring.sentences_per_theme``.
        summary_path: Where the summary (the rule's output) goes, written atomically.

    Returns:
        The summary: listing name, papers, distinct texts, texts encoded by this job (the rest
        were cached) and the cache fingerprint.

    Raises:
        ValueError: When the embedder has no cache.
    """
    if embedder.cache is None:
        raise ValueError("fill_cache needs an Embedder with a cache_dir")
    texts = listing_texts(listing, themes, sentences_per_theme)
    before = embedder.n_encoded
    embedder.embed(texts)
    summary = {
        "listing": listing.name,
        "papers": len(listing.papers),
        "texts": len(set(texts)),
        "encoded": embedder.n_encoded - before,
        "fingerprint": embedder.cache.folder.name,
    }
    with atomic_open(summary_path, encoding="utf-8") as out:
        out.write(json.dumps(summary) + "\n")
    return summary


def embed_papers(
    embedder: Embedder,
    papers: Sequence[Paper],
    themes: Sequence[Theme],
    sentences_per_theme: int,
) -> np.ndarray:
    """The papers' vectors (rule ``embed``); on a rerun, also the new papers' keyword sentences.

    The keyword-hit sentences of the theme sense check are embedded by rule ``embed_themes``,
    beside the topic step. On a cold run that is where they belong (at 75k papers they take
    minutes). On a rerun the topic step only places the few new papers (under a second), so
    ``embed_themes`` would stand alone on the critical path loading the model again (about 5 s)
    for a few sentences: here, where the model is loaded anyway, the new papers' sentences are put
    into the cache, and ``embed_themes`` finds everything there.

    Args:
        embedder: An embedder with a cache folder.
        papers: Every paper, in the order of the output rows.
        themes: The themes.
        sentences_per_theme: The config's ``themes.scoring.sentences_per_theme``.

    Returns:
        One vector per paper.
    """
    texts = [paper_text(p.title, p.abstract) for p in papers]
    if embedder.cache is None:
        return embedder.embed(texts)
    new = [p for p, t in zip(papers, texts, strict=True) if embedder.cache.get(t) is None]
    vectors = embedder.embed(texts)
    if 0 < len(new) < len(papers):  # a rerun with new papers
        candidates = candidate_sentences(
            [p.title for p in new], [p.abstract for p in new], themes, sentences_per_theme
        )
        embedder.embed(candidates["sentence"].tolist())
    return vectors
