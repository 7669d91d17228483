"""What the previous run found, so that a rerun keeps topic ids and says what changed.

After every run the ``changes`` rule stores a snapshot in ``results/history/``: per paper its
themes, topic and map position; per topic its id, label, terms and centroid; the listings
read; and a fingerprint of the settings that shape topics. The next run's topic step
matches its topics to the snapshot's (so a topic keeps its id and label), or, when only a
few new papers arrived, places them into the existing topics without refitting.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import EmbeddingSettings, paper_texts, text_key
from papertopics.listings import atomic_open
from papertopics.tables import theme_membership
from papertopics.topics import (
    TopicModel,
    TopicResult,
    TopicSettings,
    place_new_papers,
    previous_layout,
    renumber_topics,
    stored_result,
    with_new_terms,
)

__all__ = [
    "CHANGE_COLUMNS",
    "Snapshot",
    "SnapshotError",
    "changes_table",
    "cluster_fingerprint",
    "fit_key",
    "keep_topic_ids",
    "load_snapshot",
    "match_topics",
    "paper_overlap",
    "run_key",
    "save_snapshot",
    "snapshot_problem",
    "stored_changes",
    "text_hashes",
    "topic_fingerprint",
    "topics_of_run",
]

log = logging.getLogger(__name__)

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


#: Topic settings that change the map or when to refit, not which papers cluster together.
NOT_CLUSTERING = ("map", "refit_share")


def cluster_fingerprint(embedding: Mapping, topics: Mapping) -> str:
    """A hash of the settings that decide which papers cluster together.

    :func:`topic_fingerprint` without the terms and :data:`NOT_CLUSTERING`: two runs with the
    same cluster fingerprint and the same vectors find the same topics, whatever their terms,
    labels and map. So a rerun after a change of those refits but keeps the topic ids, and
    the evaluation's stability of that fit (``fit_id``) still holds.

    Args:
        embedding: The config's ``embedding`` section.
        topics: The config's ``topics`` section.

    Returns:
        16 hexadecimal digits.
    """
    vectors = EmbeddingSettings.from_config(embedding).fingerprint()
    clustering = {key: value for key, value in topics.items() if key not in NOT_CLUSTERING}
    return settings_fingerprint([vectors, clustering])


def fit_key(embeddings: np.ndarray, fingerprint: str) -> str:
    """The identity of one topic fit: the vectors it was fitted on and its settings.

    A run that fits the topics stores it in their parameters (``fit_id``), and a run that
    places new papers into those topics keeps it, so what was measured of the fit (the
    evaluation's stability across seeds) is reused instead of refitted.

    Args:
        embeddings: The papers' vectors, in the order they were fitted.
        fingerprint: :func:`cluster_fingerprint` of the run's settings.

    Returns:
        16 hexadecimal digits.
    """
    digest = hashlib.sha1(fingerprint.encode())
    digest.update(np.ascontiguousarray(embeddings, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


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
        papers: ``paper_id, title, themes, topic, x, y``, ``topic_by`` (how it got its
            topic, as in papers.csv), ``sources`` (the listings that hold each paper,
            ``;``-joined), ``text_hash`` (:func:`text_hashes`) and the theme scores
            (``score_<theme>``); all but the first six are absent from older snapshots.
        topics: ``topic, label, top_terms`` (list), ``term_weights`` (list).
        centroids: One row per topic, in the order of ``topics``.
        listings: ``listing, listing_date``.
        params: The topic model's parameters of the run that fitted the topics.
        themes: :func:`settings_fingerprint` of that run's ``themes`` config ("" when unknown).
        theme_labels: That run's theme keys and labels (empty when unknown).
        changes: What changed in that run (``changes.csv``), when it was kept.
        run_key: :func:`run_key` of the inputs of the job that wrote it ("" when unknown).
    """

    fingerprint: str
    papers: pd.DataFrame
    topics: pd.DataFrame
    centroids: np.ndarray
    listings: pd.DataFrame
    params: dict = field(default_factory=dict)
    themes: str = ""
    theme_labels: dict = field(default_factory=dict)
    changes: pd.DataFrame | None = None
    run_key: str = ""


class SnapshotError(ValueError):
    """The history folder holds a snapshot that cannot be read (damaged, or partly deleted)."""


#: The snapshot's data files, by role: written under a name with a hash of their content,
#: which ``snapshot.json`` (written last) names; older snapshots used these names as they are
#: and had no ``changes``.
SNAPSHOT_FILES = {
    "papers": "papers.csv",
    "listings": "listings.csv",
    "centroids": "centroids.npy",
    "changes": "changes.csv",
}
#: The roles every snapshot has.
REQUIRED_FILES = ("papers", "listings", "centroids")


def _content_name(role: str, data: bytes) -> str:
    stem, suffix = SNAPSHOT_FILES[role].split(".")
    return f"{stem}-{hashlib.sha1(data).hexdigest()[:16]}.{suffix}"


def load_snapshot(folder: str | Path) -> Snapshot | None:
    """Read the snapshot in ``folder``.

    Returns:
        The snapshot; None when there is none (a cold run), or when the run that wrote it
        has no map (its map failed: the next run starts afresh).

    Raises:
        SnapshotError: A snapshot is there but cannot be read: ``snapshot.json`` is missing
            or damaged, or a file it names is missing or is not the file it wrote. The
            message names the file.
    """
    folder = Path(folder)
    verified = _verified_files(folder)
    if verified is None:
        return None
    meta, raw = verified
    # ids and hashes are text, whatever digits they happen to hold
    text_columns = {"paper_id": str, "title": str, "themes": str, "topic_by": str, "text_hash": str}
    try:
        papers = pd.read_csv(io.BytesIO(raw["papers"]), keep_default_na=False, dtype=text_columns)
        listings = pd.read_csv(io.BytesIO(raw["listings"]), keep_default_na=False)
        centroids = np.load(io.BytesIO(raw["centroids"]))
        topics = pd.DataFrame(meta["topics"])
        changes = None
        if "changes" in raw:
            changes = pd.read_csv(io.BytesIO(raw["changes"]), keep_default_na=False)
    except (ValueError, KeyError, EOFError) as err:
        raise SnapshotError(f"{folder}: unreadable snapshot ({type(err).__name__})") from None
    if len(topics) != len(centroids) or not {"x", "y"} <= set(papers.columns):
        raise SnapshotError(f"{folder}: its files do not agree (topics, centroids, papers)")
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
        meta.get("theme_labels", {}),
        changes,
        meta.get("run_key", ""),
    )


def _verified_files(folder: Path, tries: int = 2) -> tuple[dict, dict[str, bytes]] | None:
    """``snapshot.json`` and the content of the files it names, each checked against its
    name's hash; None without a snapshot. Raises :class:`SnapshotError`.

    Content-named files without ``snapshot.json`` are what a first write that was
    interrupted leaves (the next write deletes them): no snapshot. A file that ``snapshot.json``
    names and that has gone is looked for again once under a ``snapshot.json`` read anew: a
    snapshot being written meanwhile deletes the previous one's files.
    """
    meta_path = folder / "snapshot.json"
    if not meta_path.is_file():
        legacy = [name for name in SNAPSHOT_FILES.values() if (folder / name).exists()]
        if legacy:  # an older version's snapshot: it wrote snapshot.json too
            raise SnapshotError(f"{meta_path}: missing, beside {legacy[0]}")
        return None
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        files = meta.get("files", {role: SNAPSHOT_FILES[role] for role in REQUIRED_FILES})
        known = set(files) <= set(SNAPSHOT_FILES) and set(REQUIRED_FILES) <= set(files)
        raw = {role: (folder / name).read_bytes() for role, name in files.items()} if known else {}
    except FileNotFoundError as err:
        if tries > 1:
            return _verified_files(folder, tries - 1)
        raise SnapshotError(f"{err.filename}: unreadable (FileNotFoundError)") from None
    except (OSError, ValueError, TypeError, AttributeError) as err:
        where = err.filename if isinstance(err, OSError) and err.filename else meta_path
        raise SnapshotError(f"{where}: unreadable ({type(err).__name__})") from None
    if not known:
        raise SnapshotError(f"{meta_path}: names other files than a snapshot's")
    for role, name in files.items() if "files" in meta else ():
        if _content_name(role, raw[role]) != name:
            raise SnapshotError(f"{folder / name}: not the file snapshot.json names (changed)")
    return meta, raw


def snapshot_problem(folder: str | Path) -> str | None:
    """What is wrong with the snapshot files in ``folder``, or None (see :func:`load_snapshot`;
    the files are checked, not parsed)."""
    try:
        _verified_files(Path(folder))
    except SnapshotError as err:
        return str(err)
    return None


def text_hashes(papers: pd.DataFrame) -> list[str]:
    """Each paper's text hash (``title``, ``abstract``), as the embedding cache keys it: what
    tells an edited paper (:func:`papertopics.topics.place_new_papers` hashes its docs)."""
    return [text_key(text) for text in paper_texts(papers["title"], papers["abstract"])]


def run_key(paths: Sequence[str | Path], settings: object) -> str:
    """A hash of the bytes of ``paths`` and of ``settings`` (JSON): the inputs of the job
    that records a run. The same key again means the job runs again on the same inputs
    (``snakemake --forceall``, a deleted ``changes.csv``).

    Args:
        paths: Input files.
        settings: Parameters (JSON-serialisable).

    Returns:
        16 hex digits.
    """
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode("utf-8"))
    for path in paths:
        digest.update(hashlib.sha1(Path(path).read_bytes()).digest())
    return digest.hexdigest()[:16]


def stored_changes(stored: Snapshot | None, key: str) -> pd.DataFrame | None:
    """What changed, as said when the stored snapshot was written, if this run's inputs are
    the ones it was recorded from (``snakemake --forceall``, a deleted ``changes.csv``); else
    None (compare with it).

    Compared again, the same results would say "nothing changed" and lose what the run that
    produced them changed.

    Args:
        stored: The stored snapshot (None: none).
        key: :func:`run_key` of this run's inputs.

    Returns:
        The stored ``changes`` table, or None.
    """
    if stored is None or stored.changes is None or not key or stored.run_key != key:
        return None
    log.info("the inputs are those the stored snapshot was recorded from: its changes stand")
    return stored.changes


def save_snapshot(snapshot: Snapshot, folder: str | Path) -> None:
    """Write a snapshot, atomically as a whole.

    Each data file is written under a name with a hash of its content, then
    ``snapshot.json``, which names them, replaces the old one; the previous snapshot's files
    are deleted last. An interrupted write leaves the previous snapshot as it was.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    papers = snapshot.papers
    if "abstract" in papers.columns:
        papers = papers.assign(text_hash=text_hashes(papers))
    columns = ["paper_id", "title", "themes", "topic", "topic_by", "x", "y", "sources", "text_hash"]
    columns = [c for c in columns if c in papers.columns]
    columns += [c for c in papers.columns if c.startswith("score_")]
    centroids = io.BytesIO()
    np.save(centroids, snapshot.centroids)
    tables = {"papers": papers[columns], "listings": snapshot.listings}
    if snapshot.changes is not None:
        tables["changes"] = snapshot.changes
    raw = {role: t.to_csv(index=False, lineterminator="\n").encode() for role, t in tables.items()}
    raw["centroids"] = centroids.getvalue()
    files = {role: _content_name(role, data) for role, data in raw.items()}
    for role, data in raw.items():
        with atomic_open(folder / files[role], "wb") as out:
            out.write(data)
    meta = {
        "fingerprint": snapshot.fingerprint,
        "run_key": snapshot.run_key,
        "files": files,
        "params": snapshot.params,
        "themes": snapshot.themes,
        "theme_labels": dict(snapshot.theme_labels),
        "topics": snapshot.topics.to_dict("records"),
    }
    with atomic_open(folder / "snapshot.json", encoding="utf-8") as out:  # the commit
        out.write(json.dumps(meta, indent=1))
    for role, name in SNAPSHOT_FILES.items():  # the previous snapshots' files
        stem, suffix = name.split(".")
        for path in [folder / name, *folder.glob(f"{stem}-*.{suffix}")]:
            if path.name != files.get(role):
                path.unlink(missing_ok=True)


def match_topics(
    centroids: np.ndarray,
    terms: Sequence[Sequence[str]],
    old_centroids: np.ndarray,
    old_terms: Sequence[Sequence[str]],
    *,
    overlap: np.ndarray | None = None,
    ids: Sequence[int] | None = None,
    old_ids: Sequence[int] | None = None,
    min_similarity: float = 0.6,
    term_weight: float = 0.3,
    min_shared_terms: float = 0.1,
    min_overlap: float = 0.3,
) -> dict[int, int]:
    """Pair new topics with the previous run's topics (one-to-one).

    Similarity is ``(1 - term_weight) * cosine(centroids) + term_weight * Jaccard(top terms)``;
    pairs are chosen to maximise the total similarity (Hungarian algorithm) and kept when at
    least ``min_similarity`` and backed by more than the centroids: top terms with a Jaccard
    index of at least ``min_shared_terms``, or papers, with ``overlap`` at least
    ``min_overlap``.  Topic centroids of one corpus are all alike (cosine 0.7-0.9 on the
    seeds), so a pair with no term and no paper in common is two different topics.

    Args:
        centroids: New topic centroids (rows).
        terms: New topics' top terms.
        old_centroids: Previous topic centroids.
        old_terms: Previous topics' top terms.
        overlap: Jaccard index of the papers of each new (row) and old (column) topic among
            the papers of both runs (:func:`paper_overlap`); None when unknown.
        ids: The new topics' ids, old_ids: the previous ones'; the outlier "topic" -1 of
            either is never paired (None: every row or column is a topic).
        min_similarity: Smallest similarity of a kept pair.
        term_weight: Weight of the term overlap.
        min_shared_terms: Smallest term Jaccard index that backs a pair.
        min_overlap: Smallest paper overlap that backs a pair.

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
    backed = jaccard >= min_shared_terms
    if overlap is not None:
        backed |= np.asarray(overlap) >= min_overlap
    if ids is not None:
        backed[np.asarray(ids) == -1, :] = False
    if old_ids is not None:
        backed[:, np.asarray(old_ids) == -1] = False
    similarity = (1 - term_weight) * cosine + term_weight * jaccard
    rows, cols = linear_sum_assignment(-np.where(backed, similarity, -1.0))
    return {
        int(r): int(c)
        for r, c in zip(rows, cols, strict=True)
        if backed[r, c] and similarity[r, c] >= min_similarity
    }


def paper_overlap(
    topics: Sequence[int],
    assignments: Mapping[str, int],
    old_topics: Sequence[int],
    old_assignments: Mapping[str, int],
) -> np.ndarray:
    """Jaccard index of the papers of each new and old topic, over the papers of both runs.

    Args:
        topics: New topic ids (rows of the result).
        assignments: Paper id -> new topic.
        old_topics: Previous topic ids (columns).
        old_assignments: Paper id -> previous topic.

    Returns:
        A ``len(topics) x len(old_topics)`` array.
    """
    shared = [pid for pid in assignments if pid in old_assignments]
    new = pd.Series([assignments[p] for p in shared], dtype="int64")
    old = pd.Series([old_assignments[p] for p in shared], dtype="int64")
    both = pd.crosstab(new, old).reindex(index=topics, columns=old_topics, fill_value=0)
    size_new = new.value_counts().reindex(topics, fill_value=0).to_numpy()
    size_old = old.value_counts().reindex(old_topics, fill_value=0).to_numpy()
    both = both.to_numpy(dtype=float)
    union = size_new[:, None] + size_old[None, :] - both
    return np.divide(both, union, out=np.zeros_like(both), where=both > 0)


def keep_topic_ids(result, paper_ids: Sequence[str], previous: Snapshot):
    """A fresh fit with the previous run's topic ids and labels where its topics match them.

    Topics are paired by :func:`match_topics` (centroids, terms and shared papers; the
    outliers are never paired) and renumbered by :func:`papertopics.topics.renumber_topics`.

    Args:
        result: A fresh ``TopicResult`` of the papers ``paper_ids``.
        paper_ids: The papers, in the order of ``result.topics``.
        previous: The previous run's snapshot (fitted with the same settings).

    Returns:
        The renumbered result (``params`` gain ``n_topics_kept``, ``n_topics_new`` and
        ``next_topic_id``).
    """
    ids = result.info["topic"].tolist()
    old_ids = previous.topics["topic"].tolist()
    overlap = paper_overlap(
        ids,
        dict(zip(paper_ids, result.topics.tolist(), strict=True)),
        old_ids,
        dict(zip(previous.papers["paper_id"], previous.papers["topic"], strict=True)),
    )
    matches = match_topics(
        result.centroids,
        result.info["top_terms"],
        previous.centroids,
        previous.topics["top_terms"],
        overlap=overlap,
        ids=ids,
        old_ids=old_ids,
    )
    return renumber_topics(result, matches, previous.topics, previous.params)


def topics_of_run(
    paper_ids: Sequence[str],
    docs: Sequence[str],
    embeddings: np.ndarray,
    settings: TopicSettings,
    fingerprint: str,
    previous: Snapshot | None,
    clusters: str | None = None,
) -> TopicResult:
    """This run's topics: new papers placed into the previous run's topics, or a fit.

    With the previous run's settings (``fingerprint``, see :func:`topic_fingerprint`), new
    papers are placed into its topics (:func:`papertopics.topics.place_new_papers`) unless too
    many papers came or went; a refit starts from its map and keeps its topic ids where topics
    match (:func:`keep_topic_ids`). When only the terms, the map or ``refit_share`` changed
    (the same ``clusters``, :func:`cluster_fingerprint`), nothing is clustered again for it:
    the topics keep their papers and ids and get new terms and labels, and a new map when
    its settings changed (:func:`papertopics.topics.with_new_terms`). Other changes fit
    afresh, with ids never given before. A fit's parameters gain its identity (``fit_id``,
    :func:`fit_key` of the clustering); placed papers keep the identity of the fit they were
    placed into.

    Args:
        paper_ids: The papers.
        docs: Their texts (title and abstract), for the terms.
        embeddings: Their embeddings.
        settings: Topic settings.
        fingerprint: :func:`topic_fingerprint` of this run's settings.
        previous: The previous run's snapshot, or None (a cold run).
        clusters: :func:`cluster_fingerprint` of this run's settings; None uses
            ``fingerprint`` in its place.

    Returns:
        The topics, with ``params["fingerprint"]``, ``params["cluster_fingerprint"]``,
        ``params["map"]`` and ``params["terms"]`` (the map's and the terms' settings) set.
    """
    # what this run's topic parameters record of its settings, to be compared by the next run
    recorded = {
        "fingerprint": fingerprint,
        "cluster_fingerprint": clusters or fingerprint,
        "map": [settings.map_n_neighbors, settings.map_min_dist],
        "refit_share": settings.refit_share,
        "terms": [
            settings.stop_words,
            list(settings.ngram_range),
            settings.min_df,
            settings.top_n_words,
        ],
    }
    gone = None  # the topics of a previous run whose clustering settings differ
    same_settings = previous is not None and previous.fingerprint == fingerprint
    if (
        previous is not None
        and not same_settings
        and _changed(previous.params, recorded, "cluster_fingerprint") is not False
    ):
        log.info("settings changed since the previous run: topics are refitted from scratch")
        gone, previous = previous, None
    result = stored_result(previous, paper_ids, docs) if same_settings else None
    why: list[str] = []  # why new papers could not be placed, when they could not
    if result is None and previous is not None:
        result = place_new_papers(previous, paper_ids, embeddings, settings, docs, why)
    if result is not None and not same_settings:
        # each only when its own settings changed (or a snapshot does not say): terms computed
        # again may order tied words otherwise than the fit did, and a map laid out again moves
        retitle = _changed(previous.params, recorded, "terms") is not False
        relayout = _changed(previous.params, recorded, "map") is not False
        changed = " and ".join(w for w, on in (("terms", retitle), ("map", relayout)) if on)
        log.info(
            "settings changed, not the clustering: the same topics%s",
            f", new {changed}" if changed else "",
        )
        if retitle or relayout:
            result = with_new_terms(result, docs, embeddings, settings, retitle, relayout)
    if result is None:
        init = previous_layout(previous.papers, paper_ids, embeddings) if previous else None
        result = TopicModel(settings).fit(docs, embeddings, map_init=init)
        if previous is not None:
            result = keep_topic_ids(result, paper_ids, previous)
            if why:
                result.params["refit_reason"] = why[0]
                log.info("topics refitted: %s", why[0])
            log.info(
                "%d topics kept their previous id, %d are new",
                result.params["n_topics_kept"],
                result.params["n_topics_new"],
            )
        elif gone is not None:  # ids after every id given so far: none is given again
            result = renumber_topics(result, {}, gone.topics, gone.params)
            for key in ("n_topics_kept", "n_topics_new"):
                result.params.pop(key)
    result.params.update(recorded)
    if result.params["mode"] == "fit":  # placed papers keep the fit's id (place_new_papers)
        result.params["fit_id"] = fit_key(embeddings, recorded["cluster_fingerprint"])
    return result


def _changed(before: Mapping | None, now: Mapping | None, key: str) -> bool | None:
    """Whether the settings recorded under ``key`` differ between two runs' topic parameters;
    None when one of them does not record them (a snapshot of an older version)."""
    before, now = before or {}, now or {}
    return before[key] != now[key] if key in before and key in now else None


def _which_topic_settings(previous: Snapshot, topic_params: Mapping | None) -> str:
    """What changed of the topic settings, as far as both runs' parameters tell."""
    keys = (
        ("embedding or clustering", "cluster_fingerprint"),
        ("term", "terms"),
        ("map", "map"),
        ("refit_share", "refit_share"),
    )
    changed = {name: _changed(previous.params, topic_params, key) for name, key in keys}
    parts = [name for name, on in changed.items() if on]
    if not parts and all(changed[name] is False for name, _ in keys[:3]):
        # the topic fingerprint covers these and refit_share only: a snapshot of an older
        # version does not record refit_share (the default changed from 0.25 to 0.5)
        parts = ["refit_share"]
    if not parts:
        return "embedding, topic, term or map settings changed"
    if parts == ["refit_share"]:
        was = (previous.params or {}).get("refit_share", "not recorded")
        now = (topic_params or {}).get("refit_share", "?")
        return f"topics.refit_share changed ({was} -> {now})"
    return " and ".join(parts) + " settings changed"


def changes_table(
    papers: pd.DataFrame,
    topics: pd.DataFrame,
    listings: pd.DataFrame,
    theme_labels: Mapping[str, str],
    previous: Snapshot | None,
    fingerprints: tuple[str, str] | None = None,
    topic_params: Mapping | None = None,
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
        topic_params: This run's topic step parameters (``mode``, ``n_topics_kept``,
            ``n_topics_new``), to say when the topics were fitted afresh (not when they are
            the previous snapshot's own: the topic step did not run again).

    Returns:
        Rows ``kind, subject, detail, n``: ``first_run``, ``listing_added`` and
        ``listing_removed`` (n: the papers the listing holds or held), ``new_papers`` and
        ``papers_removed`` (in total, then per theme), ``paper_edited`` (a known paper whose
        title or abstract changed), ``new_topic`` and ``topic_removed`` (n: its papers now
        or before; a removed topic's detail says where most of its papers went), and
        ``theme_changed`` (per paper whose themes changed, theme labels before and after,
        and the scores of the themes it joined or left when both runs kept them),
        ``theme_added`` and ``theme_removed`` (n: its papers now or before),
        ``settings_changed`` (subject ``topics`` or ``themes``), ``topics_kept`` (new papers
        placed into the previous topics; n: the papers placed by this run, the detail how
        many since the last fit and when a refit comes), ``topics_refitted`` (n: the
        topics that kept their id; after a change of topic settings other than terms and
        map every topic is new and numbered anew, n: the topics, and no per-topic rows
        follow), ``papers_moved`` (after a refit that kept the ids, n: the papers seen
        before that are in another topic, or in none, now), ``topic_relabelled`` (a topic
        that kept its id under a new label; n: its papers), or one ``unchanged`` row.
    """
    rows: list[dict] = []

    def add(kind, subject, detail, n):
        rows.append({"kind": kind, "subject": subject, "detail": detail, "n": int(n)})

    read = listings[listings.get("skipped", pd.Series("", index=listings.index)) == ""]
    if previous is None:
        n, k = len(papers), len(read)
        detail = f"{n} paper{'' if n == 1 else 's'} from {k} listing{'' if k == 1 else 's'}"
        add("first_run", "all", detail, n)
        return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    if fingerprints is not None:
        topics_now, themes_now = fingerprints
        if previous.fingerprint != topics_now:
            add("settings_changed", "topics", _which_topic_settings(previous, topic_params), 0)
        if previous.themes and previous.themes != themes_now:
            add("settings_changed", "themes", "theme definitions or scoring: scored again", 0)

    keys_before = previous.theme_labels  # empty in snapshots written before it was kept
    label_of = {**keys_before, **theme_labels}  # a removed theme keeps its label
    # a key renamed under the same label: the label alone would read "A -> A"
    shared = {label for label, n in Counter(label_of.values()).items() if n > 1}
    label_of = {k: f"{v} ({k})" if v in shared else v for k, v in label_of.items()}
    for key in [k for k in theme_labels if keys_before and k not in keys_before]:
        held = theme_membership(papers["themes"], [key])[:, 0].sum()
        add("theme_added", key, label_of[key], held)
    for key in [k for k in keys_before if k not in theme_labels]:
        held = theme_membership(previous.papers["themes"].astype(str), [key])[:, 0].sum()
        add("theme_removed", key, label_of[key], held)

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
    removed = sorted(set(old.index) - set(papers["paper_id"]))

    def per_theme(kind: str, detail: str, themes: pd.Series, labels: Mapping[str, str]):
        """A total row, then one row per theme that holds some of these papers."""
        add(kind, "all", detail, len(themes))
        counts = theme_membership(themes.astype(str), list(labels)).sum(axis=0)
        for (key, label), count in zip(labels.items(), counts.tolist(), strict=True):
            if count:
                add(kind, key, label, count)

    if is_new.any():
        per_theme(
            "new_papers",
            "papers not in the previous run",
            papers.loc[is_new, "themes"],
            {key: label_of[key] for key in theme_labels},
        )
    if removed:
        per_theme(
            "papers_removed",
            "papers no longer in any listing",
            old.loc[removed, "themes"],
            label_of,
        )
    if "text_hash" in old.columns and "abstract" in papers.columns:
        # a known paper whose title or abstract changed (its identity, the normalised title,
        # did not): embedded and placed again
        seen = papers[~is_new]
        stored = old["text_hash"].reindex(seen["paper_id"]).astype(str).to_numpy()
        for title, before, now in zip(seen["title"], stored, text_hashes(seen), strict=True):
            if before and before != "nan" and before != now:
                add("paper_edited", title, "its title or abstract changed: embedded again", 1)
    # changed topic settings: a fit from scratch, whose ids have nothing to do with the old ones
    # (unless only terms or map changed: the same clustering keeps its ids, topics_of_run)
    same_clusters = _changed(previous.params, topic_params, "cluster_fingerprint") is False
    renumbered = (
        fingerprints is not None and previous.fingerprint != fingerprints[0] and not same_clusters
    )
    n_topics = int((topics["topic"] != -1).sum())
    seen_topics, old_topic_of_seen = np.array([], int), np.array([], int)
    if "topic" in papers.columns and "topic" in old.columns:
        seen_topics = papers.loc[~is_new, "topic"].to_numpy()
        old_topic_of_seen = old["topic"].reindex(papers.loc[~is_new, "paper_id"]).to_numpy()
    # topics.json is the previous run's own when the topic step did not run again
    refitted = topic_params is not None and dict(topic_params) != dict(previous.params or {})
    if renumbered:
        detail = "topic settings changed: every topic fitted afresh and numbered anew"
        add("topics_refitted", "topics", detail, n_topics)
    elif refitted and topic_params.get("mode") == "fit":
        kept = topic_params.get("n_topics_kept", 0)
        n_before = int((previous.topics["topic"] != -1).sum())
        detail = (
            f"all papers clustered again: {kept} of the {n_topics} topics found kept the id of "
            f"one of the {n_before} before"
        )
        if topic_params.get("refit_reason"):
            detail += f" ({topic_params['refit_reason']})"
        add("topics_refitted", "topics", detail, kept)
        # a topic keeps its id when most of it matches: how many papers that says nothing of
        n_seen = len(seen_topics)
        moved = int((seen_topics != old_topic_of_seen).sum())
        if moved:
            share = round(100 * moved / n_seen)
            detail = f"{share} % of the {n_seen} papers seen before: in another topic, or none"
            add("papers_moved", "topics", detail, moved)
    elif refitted and topic_params.get("mode") == "incremental" and topic_params.get("n_new"):
        # placed, not refitted: how far the corpus has moved from the fit, and how far it may
        placed = int(topic_params.get("n_placed_since_fit", 0))
        removed = int(topic_params.get("n_removed_since_fit", 0))
        n = int(topic_params.get("n_papers") or len(papers))
        detail = f"since the last fit {placed} papers placed"
        detail += f" and {removed} removed" if removed else ""
        detail += f", {100 * (placed + removed) / max(n, 1):.0f} % of the {n} papers"
        if "refit_share" in topic_params:
            detail += f"; the topics are refitted past {100 * topic_params['refit_share']:g} %"
        add("topics_kept", "topics", detail, topic_params["n_new"])
    old_topics = set(previous.topics["topic"])
    old_labels = previous.topics.set_index("topic")["label"].astype(str)
    for row in topics.itertuples(index=False) if not renumbered else ():
        if row.topic != -1 and row.topic not in old_topics:
            add("new_topic", str(row.topic), row.label, row.size)
        elif row.topic != -1 and old_labels.get(row.topic, row.label) != str(row.label):
            add(
                "topic_relabelled",
                str(row.topic),
                f"{old_labels[row.topic]} -> {row.label}",
                row.size,
            )
    for topic in sorted(old_topics - set(topics["topic"]) - {-1}) if not renumbered else ():
        count = (previous.papers["topic"] == topic).sum()
        # where its papers went, if they are still here
        now = pd.Series(seen_topics[old_topic_of_seen == topic])
        detail = old_labels[topic]
        if len(now):
            top, n = int(now.value_counts().index[0]), int(now.value_counts().iloc[0])
            place = "no topic" if top == -1 else f"#{top}"
            detail += f" (of its {len(now)} papers still here, {n} now in {place})"
        add("topic_removed", str(topic), detail, count)

    def named(themes: str) -> str:
        keys = [key for key in themes.split(";") if key]
        return "; ".join(label_of.get(key, key) for key in keys) or "none"

    def scores(pid: str, row: pd.Series, before: str, after: str) -> str:
        """The scores, before and now, of the themes a paper joined or left."""
        keys = sorted((set(before.split(";")) ^ set(after.split(";"))) - {""})
        moved = []
        for key in keys:
            col = f"score_{key}"
            if col in old.columns and col in row.index:
                was, now = pd.to_numeric(pd.Series([old.at[pid, col], row[col]]), errors="coerce")
                if np.isfinite([was, now]).all():
                    moved.append(f"{label_of.get(key, key)} {was:.3f} -> {now:.3f}")
        return f" (score {'; '.join(moved)})" if moved else ""

    kept = papers[~is_new].set_index("paper_id")
    for pid, row in kept.iterrows():
        before, after = str(old.at[pid, "themes"]), str(row["themes"])
        if before != after:
            detail = f"{named(before)} -> {named(after)}{scores(pid, row, before, after)}"
            add("theme_changed", row["title"], detail, 1)
    if not rows:
        add("unchanged", "all", "nothing changed since the previous run", 0)
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
