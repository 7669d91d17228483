"""What the previous run found, so that a rerun keeps topic ids and says what changed.

After every run the ``changes`` rule stores a snapshot in ``results/history/``: per paper its
themes, topic and map position; per topic its id, label, terms and centroid; the listings
read; and a fingerprint of the settings that shape topics. The next run's topic step
matches its topics to the snapshot's (so a topic keeps its id and label), or, when only a
few new papers arrived, places them into the existing topics without refitting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import EmbeddingSettings
from papertopics.listings import atomic_open
from papertopics.tables import theme_membership

__all__ = [
    "CHANGE_COLUMNS",
    "Snapshot",
    "changes_table",
    "load_snapshot",
    "match_topics",
    "save_snapshot",
    "topic_fingerprint",
]

CHANGE_COLUMNS = ("kind", "subject", "detail", "n")


def topic_fingerprint(embedding: Mapping, topics: Mapping, terms: Mapping) -> str:
    """A hash of every setting that shapes the topics: the vectors, UMAP/HDBSCAN, the terms.

    The embedding counts by its vectors' fingerprint
    (:meth:`papertopics.embed.EmbeddingSettings.fingerprint`): the model and the precision it
    resolves to on this machine. A results folder moved to a CPU that embeds at another
    precision therefore refits its topics, and settings that change no vector (batch size, one
    job per listing) refit nothing.

    Args:
        embedding: The config's ``embedding`` section.
        topics: The config's ``topics`` section.
        terms: The config's ``terms`` section.

    Returns:
        16 hexadecimal digits.
    """
    vectors = EmbeddingSettings.from_config(embedding).fingerprint()
    return settings_fingerprint([vectors, topics, terms])


def settings_fingerprint(settings) -> str:
    """A short hash of config settings (JSON with sorted keys), to tell whether they changed.

    Returns:
        16 hexadecimal digits.
    """
    payload = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    """The previous run's papers, topics and listings.

    Attributes:
        fingerprint: :func:`topic_fingerprint` of that run.
        papers: ``paper_id, title, themes, topic, x, y`` and ``sources`` (the listings that
            hold each paper, ``;``-joined; absent from snapshots written before it was kept).
        topics: ``topic, label, top_terms`` (list), ``term_weights`` (list).
        centroids: One row per topic, in the order of ``topics``.
        listings: ``listing, listing_date``.
        params: The topic model's parameters of the run that fitted the topics.
        themes: :func:`settings_fingerprint` of that run's ``themes`` config ("" when unknown).
    """

    fingerprint: str
    papers: pd.DataFrame
    topics: pd.DataFrame
    centroids: np.ndarray
    listings: pd.DataFrame
    params: dict = field(default_factory=dict)
    themes: str = ""


def load_snapshot(folder: str | Path) -> Snapshot | None:
    """Read the snapshot in ``folder``; None when there is none (a cold run) or it is unreadable."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "snapshot.json").read_text("utf-8"))
        papers = pd.read_csv(folder / "papers.csv", keep_default_na=False)
        listings = pd.read_csv(folder / "listings.csv", keep_default_na=False)
        centroids = np.load(folder / "centroids.npy")
    except (OSError, ValueError, KeyError):
        return None
    topics = pd.DataFrame(meta["topics"])
    if len(topics) != len(centroids):
        return None
    if not {"x", "y"} <= set(papers.columns):
        return None
    positions = papers[["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if not np.isfinite(positions).all():  # written by a run whose map failed: start afresh
        return None
    return Snapshot(
        meta["fingerprint"],
        papers,
        topics,
        centroids,
        listings,
        meta.get("params", {}),
        meta.get("themes", ""),
    )


def save_snapshot(snapshot: Snapshot, folder: str | Path) -> None:
    """Write a snapshot; each file is replaced atomically, the metadata last."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["paper_id", "title", "themes", "topic", "x", "y", "sources"]
    columns = [c for c in columns if c in snapshot.papers.columns]
    with atomic_open(folder / "papers.csv", encoding="utf-8", newline="") as out:
        snapshot.papers[columns].to_csv(out, index=False)
    with atomic_open(folder / "listings.csv", encoding="utf-8", newline="") as out:
        snapshot.listings.to_csv(out, index=False)
    with atomic_open(folder / "centroids.npy", "wb") as out:
        np.save(out, snapshot.centroids)
    meta = {
        "fingerprint": snapshot.fingerprint,
        "params": snapshot.params,
        "themes": snapshot.themes,
        "topics": snapshot.topics.to_dict("records"),
    }
    with atomic_open(folder / "snapshot.json", encoding="utf-8") as out:  # written last
        out.write(json.dumps(meta, indent=1))


def match_topics(
    centroids: np.ndarray,
    terms: Sequence[Sequence[str]],
    old_centroids: np.ndarray,
    old_terms: Sequence[Sequence[str]],
    *,
    min_similarity: float = 0.6,
    term_weight: float = 0.3,
) -> dict[int, int]:
    """Pair new topics with the previous run's topics (one-to-one).

    Similarity is ``(1 - term_weight) * cosine(centroids) + term_weight * Jaccard(top terms)``;
    pairs are chosen to maximise the total similarity (Hungarian algorithm) and kept when at
    least ``min_similarity``.

    Args:
        centroids: New topic centroids (rows).
        terms: New topics' top terms.
        old_centroids: Previous topic centroids.
        old_terms: Previous topics' top terms.
        min_similarity: Smallest similarity of a kept pair.
        term_weight: Weight of the term overlap.

    Returns:
        ``{new row: old row}`` for the matched topics.
    """
    from scipy.optimize import linear_sum_assignment

    if not len(centroids) or not len(old_centroids):
        return {}

    def unit(m):
        m = np.asarray(m, dtype=np.float64)
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)

    cosine = unit(centroids) @ unit(old_centroids).T
    jaccard = np.array(
        [[len(set(a) & set(b)) / max(1, len(set(a) | set(b))) for b in old_terms] for a in terms]
    )
    similarity = (1 - term_weight) * cosine + term_weight * jaccard
    rows, cols = linear_sum_assignment(-similarity)
    return {
        int(r): int(c)
        for r, c in zip(rows, cols, strict=True)
        if similarity[r, c] >= min_similarity
    }


def changes_table(
    papers: pd.DataFrame,
    topics: pd.DataFrame,
    listings: pd.DataFrame,
    theme_labels: Mapping[str, str],
    previous: Snapshot | None,
    fingerprints: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """What changed since the previous run.

    Args:
        papers: This run's ``papers.csv``.
        topics: This run's ``topics.csv``.
        listings: This run's listings (``listing``, ``listing_date``, ``skipped``).
        theme_labels: Theme key to label.
        previous: The previous run's snapshot (None for a first run).
        fingerprints: This run's topic fingerprint (:func:`topic_fingerprint`) and
            :func:`settings_fingerprint` of its ``themes`` config, to say when settings
            changed (None: not compared).

    Returns:
        Rows ``kind, subject, detail, n``: ``first_run``, ``listing_added`` and
        ``listing_removed`` (n: the papers the listing holds or held), ``new_papers`` (per
        theme, and in total), ``papers_removed``, ``new_topic`` and ``topic_removed`` (n: its
        papers now or before), and ``theme_changed`` (per paper whose themes changed, theme
        labels before and after), ``settings_changed`` (subject ``topics`` or ``themes``),
        or one ``unchanged`` row.
    """
    rows: list[dict] = []

    def add(kind, subject, detail, n):
        rows.append({"kind": kind, "subject": subject, "detail": detail, "n": int(n)})

    read = listings[listings.get("skipped", pd.Series("", index=listings.index)) == ""]
    if previous is None:
        add("first_run", "all", f"{len(papers)} papers from {len(read)} listings", len(papers))
        return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    if fingerprints is not None:
        topics_now, themes_now = fingerprints
        if previous.fingerprint != topics_now:
            add("settings_changed", "topics", "embedding, topic or term settings: refitted", 0)
        if previous.themes and previous.themes != themes_now:
            add("settings_changed", "themes", "theme definitions or scoring: scored again", 0)

    def holding(table: pd.DataFrame, name: str) -> int:  # papers whose sources include name
        sources = table.get("sources", pd.Series("", index=table.index)).astype(str)
        return int(sources.str.split(";").map(lambda s: name in s).sum())

    old_listings = set(previous.listings["listing"])
    for name in sorted(set(read["listing"]) - old_listings):
        add("listing_added", name, "", holding(papers, name))
    for name in sorted(old_listings - set(read["listing"])):
        add("listing_removed", name, "", holding(previous.papers, name))
    old = previous.papers.set_index("paper_id")
    is_new = ~papers["paper_id"].isin(old.index)
    new = papers[is_new]
    if len(new):
        add("new_papers", "all", "papers not in the previous run", len(new))
        counts = theme_membership(new["themes"], list(theme_labels)).sum(axis=0)
        for (key, label), count in zip(theme_labels.items(), counts.tolist(), strict=True):
            if count:
                add("new_papers", key, label, count)
    removed = sorted(set(old.index) - set(papers["paper_id"]))
    if removed:
        add("papers_removed", "all", "papers no longer in any listing", len(removed))
    old_topics = set(previous.topics["topic"])
    for row in topics.itertuples(index=False):
        if row.topic != -1 and row.topic not in old_topics:
            add("new_topic", str(row.topic), row.label, row.size)
    for topic in sorted(old_topics - set(topics["topic"]) - {-1}):
        label = previous.topics.set_index("topic").at[topic, "label"]
        add("topic_removed", str(topic), label, (previous.papers["topic"] == topic).sum())

    def named(themes: str) -> str:
        keys = [key for key in themes.split(";") if key]
        return "; ".join(theme_labels.get(key, key) for key in keys) or "none"

    kept = papers[~is_new].set_index("paper_id")
    for pid, row in kept.iterrows():
        before, after = str(old.at[pid, "themes"]), str(row["themes"])
        if before != after:
            add("theme_changed", row["title"], f"{named(before)} -> {named(after)}", 1)
    if not rows:
        add("unchanged", "all", "nothing changed since the previous run", 0)
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
