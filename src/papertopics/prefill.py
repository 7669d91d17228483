"""Filling the embedding cache one listing at a time, for a cluster (rule ``embed_listing``).

With ``embedding.per_listing: true`` each listing gets its own embedding job, so that a
scheduler such as SLURM spreads the encoding over many nodes. Each job embeds what the
single ``embed`` job would need from its listing — paper texts, keyword-hit sentences of the
theme sense check, and the theme texts — into the shared content-addressed cache; the
``embed`` job then finds every text there and only assembles the arrays.

With a model of its own for the theme sense check (``themes.sense_model``), the keyword
sentences and theme texts are embedded by that model, and the theme texts by the paper model as
well (:func:`theme_embedders`). The one thing left to the ``embed_themes`` job is then the
sample of papers that model embeds for its own similarity scale (up to
``themes.scoring.sense_background_papers``, chosen over the whole corpus, so no listing's job
can know it): that job loads the sense model for them.

Concurrent jobs are safe: each writes its own cache shard, named after its texts, to a
temporary file that is renamed into place (see :class:`papertopics.embed.EmbeddingCache`).
Two jobs holding the same paper may both encode it; either vector is kept.

The vectors agree with those of a single ``embed`` job only to float rounding (about 1e-7):
sentence-transformers pads each batch to its longest text, and other batches change the order
of floating-point sums.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from papertopics.embed import Embedder, paper_text, paper_texts
from papertopics.listings import Listing, Paper, atomic_open
from papertopics.themes import (
    Theme,
    ThemeSettings,
    background_sample,
    candidate_sentences,
    keyword_hits,
    similarity_background,
    theme_texts,
)

__all__ = [
    "embed_papers",
    "encoded",
    "fill_cache",
    "listing_texts",
    "theme_embedders",
    "theme_inputs",
]


def theme_embedders(
    embedding: Mapping, themes: Mapping, cache_dir: str | Path | None
) -> tuple[Embedder, Embedder]:
    """The papers' embedder and the theme sense check's (the same object for the same model).

    Args:
        embedding: The config's ``embedding`` section.
        themes: The config's ``themes`` section (its ``sense_model``; absent or None: the
            papers' model).
        cache_dir: Root folder of the embedding cache.

    Returns:
        ``(papers, sense)``.
    """
    papers = Embedder.from_config(embedding, cache_dir=cache_dir)
    return papers, papers.for_model(themes.get("sense_model"))


def encoded(*embedders: Embedder) -> int:
    """Texts encoded so far by these embedders, each embedder counted once."""
    return sum(e.n_encoded for e in {id(e): e for e in embedders}.values())


def listing_texts(
    listing: Listing, themes: Sequence[Theme], sentences_per_theme: int
) -> tuple[list[str], list[str]]:
    """The texts the ``embed`` and ``embed_themes`` jobs would embed for this listing's papers.

    Args:
        listing: A parsed listing.
        themes: The themes.
        sentences_per_theme: The config's ``themes.scoring.sentences_per_theme``.

    Returns:
        ``(paper texts, sense texts)``: the papers' texts (title and abstract), and the
        keyword-hit sentences of each paper followed by the theme texts; duplicates are kept
        (an embedder encodes each distinct text once).
    """
    titles = [paper.title for paper in listing.papers]
    abstracts = [paper.abstract for paper in listing.papers]
    candidates = candidate_sentences(titles, abstracts, themes, sentences_per_theme)
    papers = paper_texts(titles, abstracts)
    return papers, [*candidates["sentence"].tolist(), *theme_texts(themes)]


def fill_cache(
    listing: Listing,
    embedder: Embedder,
    themes: Sequence[Theme],
    sentences_per_theme: int,
    summary_path: str | Path,
    sense: Embedder | None = None,
) -> dict:
    """Embed a listing's texts into the embedder's cache and write a one-line JSON summary.

    Args:
        listing: A parsed listing.
        embedder: An embedder with a cache folder (vectors are kept only there).
        themes: The themes.
        sentences_per_theme: The config's ``themes.scoring.sentences_per_theme``.
        summary_path: Where the summary (the rule's output) goes, written atomically.
        sense: The sense check's embedder (:func:`theme_embedders`); None: ``embedder``.

    Returns:
        The summary: listing name, papers, distinct texts, texts encoded by this job (the rest
        were cached) and the cache fingerprint.

    Raises:
        ValueError: When the embedder has no cache.
    """
    if embedder.cache is None:
        raise ValueError("fill_cache needs an Embedder with a cache_dir")
    sense = sense or embedder
    papers, checks = listing_texts(listing, themes, sentences_per_theme)
    before = encoded(embedder, sense)
    embedder.embed(papers + theme_texts(themes))
    sense.embed(checks)
    after = encoded(embedder, sense)
    summary = {
        "listing": listing.name,
        "papers": len(listing.papers),
        "texts": len(set(papers + checks)),
        "encoded": after - before,
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
    with_sentences: bool = True,
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
        with_sentences: False when the sense check has a model of its own: its sentences are
            then left to ``embed_themes``, which loads that model anyway.

    Returns:
        One vector per paper.
    """
    texts = [paper_text(p.title, p.abstract) for p in papers]
    if embedder.cache is None:
        return embedder.embed(texts)
    new = [p for p, t in zip(papers, texts, strict=True) if embedder.cache.get(t) is None]
    vectors = embedder.embed(texts)
    if with_sentences and 0 < len(new) < len(papers):  # a rerun with new papers
        candidates = candidate_sentences(
            [p.title for p in new], [p.abstract for p in new], themes, sentences_per_theme
        )
        embedder.embed(candidates["sentence"].tolist())
    return vectors


def theme_inputs(
    papers_embedder: Embedder,
    sense: Embedder,
    papers: Sequence[Paper],
    themes: Sequence[Theme],
    settings: ThemeSettings,
) -> dict:
    """What rule ``embed_themes`` saves: keyword hits, candidate sentences and their vectors.

    Args:
        papers_embedder: The papers' embedder (for the theme texts).
        sense: The sense check's embedder (:func:`theme_embedders`); when it is not
            ``papers_embedder``, it also embeds the theme texts and a sample of the papers
            (:func:`~papertopics.themes.background_sample`) for its own z-scale.
        papers: Every paper, in the order of the papers' vectors.
        themes: The themes.
        settings: The scorer settings.

    Returns:
        Keyword arguments of :func:`~papertopics.themes.save_theme_vectors`.
    """
    titles, abstracts = [p.title for p in papers], [p.abstract for p in papers]
    hits = keyword_hits(titles, abstracts, themes)  # saved: assign_themes scores with them
    candidates = candidate_sentences(titles, abstracts, themes, settings.sentences_per_theme, hits)
    inputs = {
        "theme_vectors": papers_embedder.embed(theme_texts(themes)),
        "candidates": candidates,
        "candidate_vectors": sense.embed(candidates["sentence"].tolist()),
        "hits": hits,
    }
    if sense is not papers_embedder:
        texts = paper_texts(titles, abstracts)
        sample = background_sample(texts, settings.sense_background_papers)
        inputs["sense_theme_vectors"] = sense.embed(theme_texts(themes))
        similarity = sense.embed([texts[i] for i in sample]) @ inputs["sense_theme_vectors"].T
        inputs["sense_background"] = similarity_background(similarity, settings)
    return inputs
