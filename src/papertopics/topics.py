"""Topic modelling: BERTopic on UMAP + HDBSCAN over precomputed embeddings, and the 2-D map.

Heavy libraries (bertopic, umap, hdbscan) are imported inside the functions that need
them, so importing this module stays cheap.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import logging
import math
import re
import sys
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import text_key
from papertopics.jit import cache_umap_kernels

__all__ = [
    "TOPIC_BY",
    "ConsensusClusterer",
    "TopicModel",
    "TopicResult",
    "TopicSettings",
    "bertopic_class",
    "class_terms",
    "common_terms",
    "count_vectorizer",
    "exact_knn",
    "first_new_topic_id",
    "interpolate_positions",
    "label_fits",
    "load_topic_info",
    "papers_use",
    "place_new_papers",
    "project_2d",
    "readable_label",
    "renumber_topics",
    "representatives",
    "save_topics",
    "shared_terms",
    "stored_result",
    "topic_by",
    "topic_centroids",
    "topic_labels",
    "topic_terms",
    "with_new_terms",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSettings:
    """Parameters of the topic model (config ``topics`` and ``terms``)."""

    seed: int = 42
    n_neighbors: int = 10
    n_components: int = 5
    min_dist: float = 0.0
    metric: str = "cosine"
    n_epochs: int | None = 200
    min_cluster_size: int | str = "auto"
    min_samples: int | str = "auto"
    max_cluster_share: float = 0.25
    ensemble: int | str = "auto"
    consensus_epochs: int | None = 100
    consensus_threshold: float = 0.5
    outliers: str = "reassign"
    outlier_threshold: float = 0.0
    refit_share: float = 0.5
    stop_words: str | None = "english"
    ngram_range: tuple[int, int] = (1, 2)
    min_df: float = 1
    top_n_words: int = 10
    map_n_neighbors: int = 15
    map_min_dist: float = 0.1

    @classmethod
    def from_config(cls, config: dict, seed: int | None = None) -> TopicSettings:
        """Build settings from a validated config (``seed`` overrides the configured one)."""
        topics, terms = config["topics"], config["terms"]
        return cls(
            seed=topics["seed"] if seed is None else seed,
            n_neighbors=topics["umap"]["n_neighbors"],
            n_components=topics["umap"]["n_components"],
            min_dist=topics["umap"]["min_dist"],
            metric=topics["umap"]["metric"],
            n_epochs=topics["umap"].get("n_epochs", cls.n_epochs),
            min_cluster_size=topics["hdbscan"]["min_cluster_size"],
            min_samples=topics["hdbscan"]["min_samples"],
            max_cluster_share=topics["hdbscan"]["max_cluster_share"],
            ensemble=topics["ensemble"],
            consensus_epochs=topics.get("consensus_epochs", cls.consensus_epochs),
            consensus_threshold=topics["consensus_threshold"],
            outliers=topics["outliers"],
            outlier_threshold=topics["outlier_threshold"],
            refit_share=topics["refit_share"],
            stop_words=terms["stop_words"],
            ngram_range=tuple(terms["ngram_range"]),
            min_df=terms["min_df"],
            top_n_words=terms["top_n_words"],
            map_n_neighbors=topics["map"]["n_neighbors"],
            map_min_dist=topics["map"]["min_dist"],
        )

    def cluster_sizes(self, n_papers: int) -> tuple[int, int, int]:
        """Resolve ``auto`` values for a corpus of ``n_papers``.

        Returns:
            ``(min_cluster_size, min_samples, max_cluster_size)``.
        """
        mcs = self.min_cluster_size
        if mcs == "auto":
            mcs = max(5, round(math.sqrt(n_papers) / 2.5))
        ms = self.min_samples
        if ms == "auto":
            ms = max(2, round(mcs / 5))
        max_size = max(mcs + 1, int(n_papers * self.max_cluster_share))
        if self.max_cluster_share >= 1:
            max_size = 0  # HDBSCAN: no limit
        return int(mcs), int(ms), max_size

    def ensemble_size(self, n_papers: int) -> int:
        """Runs for ``ensemble: auto``: min(320, 32000 // n_papers) up to 8,000 papers, else 1.

        With ``consensus_epochs`` (100) half of ``n_epochs`` (200), the consensus spends the
        layout epochs of 16000 // n full runs on twice as many shorter ones, which cluster more
        stably for the same time; below 200 papers that budget is no longer capped at 160 runs,
        only at 320 for the tiniest corpora (BENCHMARKS.md).
        """
        if self.ensemble == "auto":
            n = max(n_papers, 1)
            return int(min(320, 32000 // n)) if n <= 8000 else 1
        return int(self.ensemble)


@dataclass
class TopicResult:
    """What the topic model found.

    Attributes:
        topics: Topic id per paper after outlier handling (-1 = outlier).
        info: One row per topic: ``topic, size, label, top_terms`` (list of terms),
            ``term_weights`` (list of c-TF-IDF weights), ``representatives`` (paper row numbers).
        centroids: Mean embedding per topic, in the order of ``info``.
        coords: 2-D map coordinates per paper.
        params: The resolved parameters, for the report.
        topic_by: How each paper got its topic (:data:`TOPIC_BY`); None: every paper not
            in topic -1 by the clustering.
    """

    topics: np.ndarray
    info: pd.DataFrame
    centroids: np.ndarray
    coords: np.ndarray
    params: dict = field(default_factory=dict)
    topic_by: np.ndarray | None = None

    def __post_init__(self):
        if self.topic_by is None:
            self.topic_by = topic_by(self.topics)
        self.topic_by = np.asarray(self.topic_by, dtype=object)


#: How a paper got its topic (``topic_by`` in papers.csv): in a cluster of the fit; an
#: outlier of the fit, assigned to a topic afterwards (``topics.outliers: reassign``); new or
#: edited on a rerun without a refit, put in its most similar topic (``cluster`` when it is in
#: a new topic of the new papers); no topic (topic -1).
TOPIC_BY = ("cluster", "nearest", "placed", "none")

#: The most new papers that fit no known topic well which a rerun clusters among themselves
#: (HDBSCAN on their embeddings, without UMAP: 33 s for 10,000 synthetic ones on this project's
#: machine, 192 s for 20,000; BENCHMARKS.md, "Place or refit"); more, and the topics are
#: refitted instead, which costs about as much on the largest corpora.
MAX_POORLY_FITTING = 10_000


def topic_by(topics: Sequence[int], outliers: Sequence[bool] | None = None) -> np.ndarray:
    """``topic_by`` of a fit: ``nearest`` for the clustering's ``outliers`` that got a topic,
    ``none`` for topic -1, ``cluster`` for the others (all of them without ``outliers``)."""
    topics = np.asarray(topics)
    outliers = np.zeros(len(topics), bool) if outliers is None else np.asarray(outliers, bool)
    how = np.where(outliers, "nearest", "cluster").astype(object)
    how[topics == -1] = "none"
    return how


def _singular(word: str) -> str:
    """A plural's singular, roughly: "processes", "losses", "approaches" and "models" lose
    their ending; "process", "loss", "bias" and "corpus" have none."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def _words(term: str) -> set[str]:
    """The words of a term; a plural says what its singular does."""
    return {_singular(w) for w in term.split()}


def label_fits(label: str, terms: Sequence[str]) -> bool:
    """Whether a topic label still says what its top terms say.

    True when the label's first term (its strongest when it was made) and at least half of
    its terms (``", "``-separated) are among the words of ``terms``; a term fits when all
    its words do.

    Args:
        label: A label made by :func:`readable_label`.
        terms: The topic's top terms now.

    Returns:
        Whether the label may stay.
    """
    words = set().union(*map(_words, terms)) if len(terms) else set()
    parts = [_words(part) for part in label.split(", ") if part.strip()]
    fits = [part <= words for part in parts]
    return bool(parts) and fits[0] and 2 * sum(fits) >= len(fits)


def readable_label(
    terms: Sequence[str], n: int = 3, upgrades: Collection[str] | None = None
) -> str:
    """A short label from a topic's top terms; a bigram replaces the words it contains.

    ``["continual", "learning", "cl", "continual learning", "forgetting"]`` gives
    ``"continual learning, cl, forgetting"``; a plural and its singular count once.

    Args:
        terms: Terms by decreasing weight.
        n: Terms in the label.
        upgrades: The terms that may replace a chosen term they contain (None: every term);
            another such term is passed over. :func:`topic_labels` gives the terms that two
            or more of the topic's papers use, so that "query" does not become the "query
            augmentation" of a single paper.

    Returns:
        Terms joined by ", ".
    """
    chosen: list[str] = []
    for term in terms:
        words = _words(term)
        if any(words <= _words(other) for other in chosen):
            continue  # already said by a chosen term
        covered = [i for i, other in enumerate(chosen) if _words(other) < words]
        if covered and upgrades is not None and term not in upgrades:
            continue  # it would narrow a shared term to what few papers say
        if covered:
            chosen[covered[0]] = term
            chosen = [other for i, other in enumerate(chosen) if i not in covered[1:]]
        elif len(chosen) < n:
            chosen.append(term)
    return ", ".join(chosen[:n])


def shared_terms(
    terms: Sequence[str],
    docs: Sequence[str],
    min_papers: int = 2,
    common: Collection[str] = (),
    shared: Collection[str] | None = None,
) -> list[str]:
    """The terms, those found in fewer than ``min_papers`` of ``docs`` moved to the end,
    and the ``common`` ones (:func:`common_terms`) just before them.

    c-TF-IDF weighs a term by its count in the whole topic, so one abstract that repeats
    its own acronym can put it first, and words most papers of any topic use ("models",
    "training") rank high in a topic of many papers; a label should name what the topic's
    papers share and what sets them apart.

    Args:
        terms: A topic's terms by decreasing weight.
        docs: The texts of its papers.
        min_papers: Papers a term must occur in (at most all of them).
        common: Terms that most papers of the corpus use.
        shared: :func:`papers_use` of ``terms`` and ``docs``, when known already.

    Returns:
        The same terms, stably reordered.
    """
    if shared is None:
        shared = papers_use(terms, docs, min_papers)
    order = {t: (t not in shared, t in common) for t in terms}
    return sorted(terms, key=lambda t: order[t])


def papers_use(terms: Iterable[str], docs: Sequence[str], min_papers: int = 2) -> set[str]:
    """The terms that at least ``min_papers`` of ``docs`` (at most all of them) use, as whole
    words, in any case.

    Args:
        terms: Candidate terms.
        docs: Texts.
        min_papers: Texts a term must occur in.

    Returns:
        Those terms.
    """
    need = min(min_papers, len(docs))
    texts = [f" {' '.join(_LABEL_TEXT.sub(' ', doc.lower()).split())} " for doc in docs]
    return {t for t in terms if sum(f" {t.lower()} " in text for text in texts) >= need}


def common_terms(
    terms: Iterable[str],
    corpus: Sequence[str],
    settings: TopicSettings | None = None,
    max_share: float = 0.5,
    sample: int = 2000,
) -> set[str]:
    """The terms that more than ``max_share`` of the corpus's papers use ("models", "data").

    Counted as the topic terms are (:func:`count_vectorizer`), on up to ``sample`` papers
    spread evenly over the corpus (a share, not a count: 2,000 papers tell it within a few
    points).

    Args:
        terms: Candidate terms.
        corpus: Every paper's text.
        settings: Term settings (stop words, n-grams); defaults when None.
        max_share: Largest share of papers a term may be in without being common.
        sample: Papers counted at most.

    Returns:
        The common terms.
    """
    vocabulary = sorted(set(terms))
    if not vocabulary or not len(corpus):
        return set()
    picked = np.unique(np.linspace(0, len(corpus) - 1, min(sample, len(corpus))).astype(int))
    longest = max(len(term.split()) for term in vocabulary)
    vectorizer = count_vectorizer(settings or TopicSettings()).set_params(
        vocabulary=vocabulary, ngram_range=(1, longest), binary=True
    )
    used = np.asarray(vectorizer.transform([corpus[i] for i in picked]).sum(axis=0)).ravel()
    return {term for term, n in zip(vocabulary, used, strict=True) if n > max_share * len(picked)}


def topic_labels(
    terms: Mapping[int, Sequence[str]],
    topics: np.ndarray,
    docs: Sequence[str],
    settings: TopicSettings,
) -> dict[int, str]:
    """A label for each topic of ``terms``: its top terms that two or more of its papers use
    (:func:`shared_terms`), words most papers of the corpus use (:func:`common_terms`) last;
    a term only one paper uses never replaces a shorter one.

    Args:
        terms: Topic id -> its top terms, best first.
        topics: Topic id per paper.
        docs: Every paper's text (the corpus).
        settings: Term settings.

    Returns:
        Topic id -> label (:func:`readable_label`).
    """
    common = common_terms([w for words in terms.values() for w in words], docs, settings)
    labels = {}
    for topic, words in terms.items():
        members = [docs[i] for i in np.flatnonzero(topics == topic)]
        used = papers_use(words, members)  # the members' texts are scanned once
        labels[topic] = readable_label(
            shared_terms(words, members, common=common, shared=used), upgrades=used
        )
    return labels


#: What separates words when testing whether a text holds a term (the terms keep hyphens).
_LABEL_TEXT = re.compile(r"[^a-z0-9\-]+")


def umap_class() -> type:
    """umap-learn's ``UMAP``, with its per-process numba kernels cached on disk (see ``jit``)."""
    from umap import UMAP

    cache_umap_kernels()
    return UMAP


def exact_knn(X: np.ndarray, n_neighbors: int, metric: str) -> tuple:
    """Exact nearest neighbours in UMAP's ``precomputed_knn`` form.

    Args:
        X: One vector per row.
        n_neighbors: Neighbours per row, the row itself included first (as UMAP counts them).
        metric: A metric scikit-learn's brute-force search knows (``cosine``, ``euclidean``).

    Returns:
        ``(indices, distances, None)``: int32 and float32 arrays of shape ``(n, n_neighbors)``;
        no search index, so a UMAP fitted on them cannot ``transform`` new points.
    """
    from sklearn.neighbors import NearestNeighbors

    k = max(1, min(int(n_neighbors), len(X)))
    nn = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(X)
    distances, indices = nn.kneighbors(X)
    # the point itself first, at distance 0 (ties with duplicates may list another copy first)
    rows = np.arange(len(X))
    not_first = indices[:, 0] != rows
    for i in np.flatnonzero(not_first):
        where = np.flatnonzero(indices[i] == i)
        j = where[0] if len(where) else k - 1
        indices[i, 1 : j + 1] = indices[i, :j].copy()
        distances[i, 1 : j + 1] = distances[i, :j].copy()
        indices[i, 0], distances[i, 0] = i, 0.0
    return indices.astype(np.int32), np.maximum(distances, 0).astype(np.float32), None


def _umap(
    n_components: int,
    n_neighbors: int,
    min_dist: float,
    metric: str,
    seed: int,
    n: int,
    n_epochs: int | None = None,
):
    return umap_class()(
        n_components=n_components,
        n_neighbors=max(2, min(n_neighbors, n - 1)),
        min_dist=min_dist,
        metric=metric,
        random_state=seed,
        low_memory=True,
        n_epochs=n_epochs,
        # the spectral start needs more points than dimensions (scipy's eigh: k < N)
        init="spectral" if n > n_components + 1 else "random",
    )


def project_2d(
    embeddings: np.ndarray, settings: TopicSettings, init: np.ndarray | None = None
) -> np.ndarray:
    """Seeded 2-D UMAP projection of the embeddings, for the paper map.

    Args:
        embeddings: One vector per paper.
        settings: Map settings and seed.
        init: Starting coordinates (the previous run's map), so that a rerun keeps the map's
            layout; None starts from UMAP's spectral layout, and so does a start that is
            not finite or has no spread along an axis (few papers kept from the previous
            map, all placed at one point), which UMAP cannot scale.

    Returns:
        ``(n, 2)`` coordinates.
    """
    n = len(embeddings)
    if n < 4:
        return np.zeros((n, 2), dtype=np.float32)

    def fit(start):
        model = _umap(
            2, settings.map_n_neighbors, settings.map_min_dist, settings.metric, settings.seed, n
        )
        if start is not None:
            model.set_params(init=start)
        return np.asarray(model.fit_transform(embeddings), dtype=np.float32)

    if init is not None:
        init = np.asarray(init, dtype=np.float32)
        spread = np.ptp(init, axis=0) if np.isfinite(init).all() else np.zeros(2)
        if (spread > 1e-6).all():
            coords = fit(init)
            if np.isfinite(coords).all():
                return coords
        log.info("the previous map is no usable start: the map is laid out afresh")
    return fit(None)


def previous_layout(
    old_papers: pd.DataFrame, paper_ids: Sequence[str], embeddings: np.ndarray
) -> np.ndarray | None:
    """A refit's starting map: known papers where they were, new ones among their neighbours.

    Args:
        old_papers: The previous run's papers (``paper_id``, ``x``, ``y``).
        paper_ids: This run's papers.
        embeddings: Their embeddings.

    Returns:
        ``(n, 2)`` starting coordinates, or None when fewer than two papers are known.
    """
    old = old_papers.set_index("paper_id")
    known = np.array([pid in old.index for pid in paper_ids])
    if known.sum() < 2:
        return None
    init = np.zeros((len(paper_ids), 2), dtype=np.float32)
    init[known] = old.loc[np.asarray(paper_ids)[known], ["x", "y"]].to_numpy(np.float32)
    init[~known] = interpolate_positions(embeddings[~known], embeddings[known], init[known])
    return init


def interpolate_positions(
    vectors: np.ndarray, known_vectors: np.ndarray, known_positions: np.ndarray, k: int = 10
) -> np.ndarray:
    """Place papers at the similarity-weighted mean position of their ``k`` nearest known papers.

    Args:
        vectors: Embeddings of the papers to place.
        known_vectors: Embeddings of papers already placed (compared by cosine).
        known_positions: Their positions (one row each).
        k: Neighbours used.

    Returns:
        One position per row of ``vectors``.
    """
    if not len(vectors):
        return np.zeros((0, known_positions.shape[1]), dtype=np.float32)
    from sklearn.neighbors import NearestNeighbors
    from sklearn.preprocessing import normalize

    k = max(1, min(k, len(known_vectors)))
    # scikit-learn's chunked k-nearest search, not one n x m matrix: at 15,000 new and
    # 60,000 known papers a full similarity matrix and its sort took 14 GB. Euclidean on unit
    # vectors ranks as the cosine does (d^2 = 2 - 2 cos) and has its fastest search; vectors
    # not of unit length (embedding.normalize: false) are made so for it.
    search = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean")
    distance, nearest = search.fit(normalize(known_vectors)).kneighbors(normalize(vectors))
    weights = np.maximum(1 - distance**2 / 2, 1e-6) ** 4
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, known_positions[nearest]).astype(np.float32)


def count_vectorizer(settings: TopicSettings):
    """The CountVectorizer that BERTopic's c-TF-IDF counts topic terms with."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        stop_words=settings.stop_words,
        ngram_range=tuple(settings.ngram_range),
        min_df=int(settings.min_df) if settings.min_df >= 1 else settings.min_df,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    )


def topic_terms(
    docs: Sequence[str], topics: np.ndarray, settings: TopicSettings
) -> dict[int, list[tuple[str, float]]]:
    """Top c-TF-IDF terms of every topic (BERTopic's ClassTfidfTransformer, one class per topic).

    Args:
        docs: Paper texts.
        topics: Topic id per paper.
        settings: Term settings (stop words, n-grams, ``top_n_words``).

    Returns:
        Topic id -> ``(term, weight)`` pairs, best first.
    """
    ids = sorted(set(topics.tolist()))
    classes = [" ".join(d for d, t in zip(docs, topics, strict=True) if t == i) for i in ids]
    return dict(zip(ids, class_terms(classes, settings), strict=True))


#: bertopic modules that only serve optional model backends (vision, transformers pipelines).
#: BERTopic imports each inside ``try: ... except ModuleNotFoundError`` and puts a
#: ``NotInstalled`` placeholder in its place when the extra is missing.
_OPTIONAL_BERTOPIC_MODULES = (
    "bertopic.backend._multimodal",
    "bertopic.representation._textgeneration",
    "bertopic.representation._zeroshot",
    "bertopic.representation._visual",
)
#: Imported by bertopic only inside ``try: import torch / except ImportError`` (for saving
#: models with safetensors), which fitting never does.
_OPTIONAL_BERTOPIC_DEPENDENCIES = ("torch",)


class _Unavailable(importlib.abc.MetaPathFinder):
    """Import finder that reports some top-level packages (and their submodules) missing."""

    def __init__(self, names: Sequence[str]):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def bertopic_class() -> type:
    """The ``BERTopic`` class, imported without its optional model backends.

    ``import bertopic`` eagerly imports its vision backend (sentence-transformers, PIL), its
    transformers-based representations and torch (about 3 s of a 5.6 s import here), all
    optional in BERTopic: each is imported inside ``try/except`` and replaced by a placeholder
    (or a flag) when missing. Fitting on precomputed embeddings with c-TF-IDF terms needs none
    of them, so for the first import of bertopic in a process they are reported missing,
    exactly as when those extras are not installed: bertopic's optional modules by a ``None``
    entry in ``sys.modules``, torch by an import finder that raises ``ModuleNotFoundError``
    (a ``None`` entry for torch would break libraries that look it up in ``sys.modules``).
    Both are removed right after the import, so BERTopic's own lazy imports
    (``select_backend``) and a later ``import torch`` work as usual. Where bertopic or
    sentence-transformers is already imported, bertopic is imported as it is.

    Returns:
        The ``BERTopic`` class.
    """
    if "bertopic" not in sys.modules and "sentence_transformers" not in sys.modules:
        blocked = [name for name in _OPTIONAL_BERTOPIC_MODULES if name not in sys.modules]
        finder = _Unavailable(
            [name for name in _OPTIONAL_BERTOPIC_DEPENDENCIES if name not in sys.modules]
        )
        for name in blocked:
            sys.modules[name] = None
        sys.meta_path.insert(0, finder)
        try:
            import bertopic  # noqa: F401
        finally:
            sys.meta_path.remove(finder)
            for name in blocked:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]
    from bertopic import BERTopic

    return BERTopic


def class_tfidf_transformer() -> type:
    """BERTopic's ``ClassTfidfTransformer`` class, without importing all of bertopic.

    ``import bertopic`` loads sentence-transformers, torch and umap (about 6 s per process),
    which the light jobs that only count terms (the tables, the no-refit rerun) do not need.
    The class lives in a module of its own that imports only numpy, scipy and scikit-learn,
    so it is loaded from bertopic's installed files directly. Where bertopic is already
    imported, or its files are laid out differently, the normal import is used.

    Returns:
        The ``ClassTfidfTransformer`` class.
    """
    if "bertopic" not in sys.modules:
        spec = importlib.util.find_spec("bertopic")
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        path = origin.parent / "vectorizers" / "_ctfidf.py" if origin else None
        if path is not None and path.is_file():
            name = "papertopics._bertopic_ctfidf"
            module = sys.modules.get(name)
            if module is None:
                module_spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                sys.modules[name] = module
            return module.ClassTfidfTransformer
    from bertopic.vectorizers import ClassTfidfTransformer

    return ClassTfidfTransformer


def class_terms(classes: Sequence[str], settings: TopicSettings) -> list[list[tuple[str, float]]]:
    """Top c-TF-IDF terms of each class text (BERTopic's ClassTfidfTransformer).

    Args:
        classes: One text per class (the papers of a topic or theme joined).
        settings: Term settings (stop words, n-grams, ``min_df``, ``top_n_words``).

    Returns:
        Per class, up to ``top_n_words`` ``(term, weight)`` pairs with a positive weight,
        best first (none for an empty class).
    """
    if not any(text.strip() for text in classes):
        return [[] for _ in classes]
    vectorizer = count_vectorizer(settings)
    counts = vectorizer.fit_transform(list(classes))
    transformer = class_tfidf_transformer()(reduce_frequent_words=True)
    weights = transformer.fit_transform(counts).toarray()
    words = vectorizer.get_feature_names_out()
    result = []
    for row in weights:
        order = np.argsort(-row, kind="stable")[: settings.top_n_words]
        result.append([(str(words[i]), round(float(row[i]), 5)) for i in order if row[i] > 0])
    return result


class _NoClusters:
    """A clustering model for BERTopic that puts every point among the outliers, for a
    corpus smaller than HDBSCAN's ``min_cluster_size`` (where no cluster can form, and
    UMAP and HDBSCAN fail on one or two points)."""

    def fit(self, X, y=None):
        self.labels_ = np.full(len(X), -1)
        return self


class ConsensusClusterer:
    """Evidence-accumulation consensus of several seeded UMAP + HDBSCAN runs.

    One UMAP + HDBSCAN run on a few hundred papers depends much on UMAP's random
    seed (adjusted Rand index between seeds about 0.6 on the bundled listings). This
    model fits ``runs`` of them with seeds derived from ``seed``, counts how often each
    pair of papers shares a cluster (co-association), and cuts an average-linkage tree
    of ``1 - co-association`` at ``1 - threshold``: papers that share a cluster in most
    runs form a topic. Topics smaller than ``min_cluster_size`` become outliers, which
    are reassigned to the topic they co-occur with most (or, never co-clustered, the
    most similar topic centroid) unless ``keep_outliers``.

    It follows the interface BERTopic expects of a cluster model (``fit``, ``labels_``)
    and is given the unreduced embeddings (BERTopic's reduction step is skipped).

    Args:
        runs: Number of UMAP + HDBSCAN runs.
        seed: Seed from which the runs' seeds are derived.
        umap_params: Keyword arguments of UMAP (without ``random_state``).
        hdbscan_params: Keyword arguments of HDBSCAN.
        threshold: Share of runs in which two papers must share a cluster.
        min_cluster_size: Smallest topic.
        keep_outliers: Leave outliers in topic -1 instead of reassigning them.
    """

    def __init__(
        self,
        runs: int,
        seed: int,
        umap_params: dict,
        hdbscan_params: dict,
        threshold: float = 0.5,
        min_cluster_size: int = 5,
        keep_outliers: bool = False,
    ):
        self.runs = runs
        self.seed = seed
        self.umap_params = umap_params
        self.hdbscan_params = hdbscan_params
        self.threshold = threshold
        self.min_cluster_size = min_cluster_size
        self.keep_outliers = keep_outliers

    def fit(self, X: np.ndarray, y=None) -> ConsensusClusterer:
        """Cluster ``X`` (unit-length embeddings); the result is in ``labels_``."""
        from hdbscan import HDBSCAN
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.preprocessing import normalize

        UMAP = umap_class()
        X = np.asarray(X, dtype=np.float32)
        n = len(X)
        # The nearest-neighbour graph does not depend on the seed: computed once, exactly,
        # instead of in each of the runs (UMAP's small-data path builds it from all pairwise
        # distances through a Python-level metric, a third of a run's time on the seeds).
        params = dict(self.umap_params)
        params["precomputed_knn"] = exact_knn(X, params["n_neighbors"], params["metric"])
        together = np.zeros((n, n), dtype=np.float32)
        with warnings.catch_warnings():
            # no search index is passed: transform() is not needed for the runs
            warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
            for run in range(self.runs):
                reduced = UMAP(random_state=self.seed * 1000 + run, **params).fit_transform(X)
                labels = HDBSCAN(**self.hdbscan_params).fit_predict(reduced)
                clustered = labels >= 0
                together += (labels[:, None] == labels[None, :]) & clustered[:, None]
        together /= self.runs
        tree = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=1.0 - self.threshold,
        )
        groups = tree.fit_predict(1.0 - together)
        sizes = np.bincount(groups)
        # Topics numbered by decreasing size, ties by first member: stable numbering.
        kept = sorted(
            (g for g in range(len(sizes)) if sizes[g] >= self.min_cluster_size),
            key=lambda g: (-sizes[g], np.flatnonzero(groups == g)[0]),
        )
        labels = np.full(n, -1)
        for topic, group in enumerate(kept):
            labels[groups == group] = topic
        outliers = labels == -1
        if kept and outliers.any() and not self.keep_outliers:
            affinity = np.column_stack(
                [together[:, labels == t].mean(axis=1) for t in range(len(kept))]
            )
            centroids = topic_centroids(X, labels, range(len(kept)))
            by_run = affinity[outliers].argmax(axis=1)
            # cosine to each topic's centroid (as BERTopic's reduce_outliers and the placing of
            # new papers): a plain dot product would favour the tighter topics
            by_vector = (X[outliers] @ normalize(centroids).T).argmax(axis=1)
            labels[outliers] = np.where(affinity[outliers].max(axis=1) > 0, by_run, by_vector)
        self.labels_ = labels
        self.outliers_ = outliers
        return self


class TopicModel:
    """BERTopic configured for corpora from a few hundred to tens of thousands of papers.

    Plain BERTopic defaults put half of a few hundred papers into the outlier topic;
    here HDBSCAN's cluster sizes scale with the corpus, the largest cluster is capped,
    and outliers are reassigned: by the consensus of several runs (:class:`ConsensusClusterer`,
    to the topic they were clustered with most often; with ``ensemble: auto`` up to 8,000
    papers), else by embedding similarity (BERTopic's ``reduce_outliers``). A corpus smaller
    than a cluster is all outliers.

    Args:
        settings: The parameters.
    """

    def __init__(self, settings: TopicSettings):
        self.settings = settings
        self.bertopic = None

    def _vectorizer(self):
        return count_vectorizer(self.settings)

    def fit(
        self,
        docs: Sequence[str],
        embeddings: np.ndarray,
        *,
        with_map: bool = True,
        map_init: np.ndarray | None = None,
    ) -> TopicResult:
        """Fit topics on documents and their embeddings.

        Args:
            docs: One text per paper (title and abstract).
            embeddings: One unit-length vector per paper.
            with_map: Also compute the 2-D map (skipped for stability refits).
            map_init: Starting coordinates of the map (see :func:`project_2d`).

        Returns:
            The topics, their terms and the map.
        """
        BERTopic = bertopic_class()
        from bertopic.backend import BaseEmbedder
        from bertopic.dimensionality import BaseDimensionalityReduction
        from bertopic.vectorizers import ClassTfidfTransformer
        from hdbscan import HDBSCAN

        s = self.settings
        docs = list(docs)
        n = len(docs)
        if n < 1:
            raise ValueError("topic modelling needs at least 1 paper, got none")
        mcs, ms, max_size = s.cluster_sizes(n)
        # fewer papers than a cluster needs (or than UMAP embeds: 3) are all outliers
        clusterable = n >= max(mcs, 3)
        runs = s.ensemble_size(n) if clusterable else 1
        hdbscan_params = {
            "min_cluster_size": mcs,
            "min_samples": ms,
            "max_cluster_size": max_size,
            "cluster_selection_method": "eom",
            "metric": "euclidean",
            "prediction_data": False,
        }
        umap_model = _umap(
            s.n_components, s.n_neighbors, s.min_dist, s.metric, s.seed, n, s.n_epochs
        )
        n_neighbors = umap_model.n_neighbors
        if not clusterable:
            umap_model, hdbscan_model = BaseDimensionalityReduction(), _NoClusters()
        elif runs > 1:
            umap_params = umap_model.get_params()
            umap_params.pop("random_state")
            umap_params["n_epochs"] = s.consensus_epochs
            hdbscan_model = ConsensusClusterer(
                runs,
                s.seed,
                umap_params,
                hdbscan_params,
                s.consensus_threshold,
                mcs,
                keep_outliers=s.outliers == "keep",
            )
            umap_model = BaseDimensionalityReduction()
        else:
            hdbscan_model = HDBSCAN(**hdbscan_params)
        vectorizer = self._vectorizer()
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
        model = BERTopic(
            # The embeddings are given. A placeholder model (BERTopic never calls a plain
            # BaseEmbedder) also turns off the cleaning BERTopic applies with its default
            # English model, which deletes every character but letters, digits and spaces
            # before the vectorizer sees the text ("in-context" -> "incontext": BERTopic
            # issue 947); the vectorizer's own token pattern keeps hyphenated words.
            embedding_model=BaseEmbedder(),
            umap_model=umap_model,
            hdbscan_model=hdbscan_model,
            vectorizer_model=vectorizer,
            ctfidf_model=ctfidf,
            top_n_words=s.top_n_words,
            calculate_probabilities=False,
        )
        topics = np.asarray(model.fit_transform(docs, embeddings)[0])
        raw_outliers = topics == -1
        if isinstance(hdbscan_model, ConsensusClusterer):
            raw_outliers = hdbscan_model.outliers_  # reassigned inside the consensus
        n_raw_outliers = int(raw_outliers.sum())
        if (
            not isinstance(hdbscan_model, ConsensusClusterer)
            and s.outliers == "reassign"
            and (topics == -1).any()
            and (topics != -1).any()
        ):
            topics = np.asarray(
                model.reduce_outliers(
                    docs,
                    topics.tolist(),
                    strategy="embeddings",
                    embeddings=embeddings,
                    threshold=s.outlier_threshold,
                )
            )
            model.update_topics(
                docs,
                topics=topics.tolist(),
                vectorizer_model=vectorizer,
                ctfidf_model=ctfidf,
                top_n_words=s.top_n_words,
            )
        self.bertopic = model
        info = self._topic_info(model, topics, embeddings, docs)
        centroids = topic_centroids(embeddings, topics, info["topic"]).astype(np.float32)
        coords = project_2d(embeddings, s, map_init) if with_map else np.zeros((n, 2), np.float32)
        params = {
            "n_papers": n,
            # placing reruns count the papers removed since the fit against this
            "n_fit_papers": n,
            "min_cluster_size": mcs,
            "min_samples": ms,
            "max_cluster_size": max_size,
            "umap_n_neighbors": n_neighbors,
            "ensemble_runs": runs,
            "umap_n_components": s.n_components,
            "seed": s.seed,
            "n_outliers_before": n_raw_outliers,
            "n_outliers_after": int((topics == -1).sum()),
            "mode": "fit",
            # the first topic id never given (ids of topics gone since are not given again)
            "next_topic_id": int(topics.max(initial=-1)) + 1,
        }
        log.info("topics: %s", params)
        return TopicResult(topics, info, centroids, coords, params, topic_by(topics, raw_outliers))

    def _topic_info(
        self, model, topics: np.ndarray, embeddings: np.ndarray, docs: Sequence[str]
    ) -> pd.DataFrame:
        rows = []
        ids = sorted(set(topics.tolist()))
        found = {t: [(w, float(v)) for w, v in (model.get_topic(t) or []) if w] for t in ids}
        labels = topic_labels(
            {t: [w for w, _ in terms] for t, terms in found.items() if t != -1},
            topics,
            docs,
            self.settings,
        )
        for topic in ids:
            members = np.flatnonzero(topics == topic)
            terms = found[topic]
            rows.append(
                {
                    "topic": topic,
                    "size": len(members),
                    "label": labels.get(topic, "outliers"),
                    "top_terms": [w for w, _ in terms],
                    "term_weights": [round(v, 5) for _, v in terms],
                    "representatives": representatives(embeddings, topics, topic),
                }
            )
        return pd.DataFrame(rows)


def save_topics(result: TopicResult, paper_ids: Sequence[str], output) -> None:
    """Write a topic result: assignments (CSV), topic info (JSON) and centroids (NumPy).

    Args:
        result: The fitted topics.
        paper_ids: Paper ids in the order the model saw them.
        output: An object with ``assignments``, ``info`` and ``centroids`` paths.
    """
    pd.DataFrame(
        {
            "paper_id": list(paper_ids),
            "topic": result.topics,
            "topic_by": result.topic_by,
            "x": np.round(result.coords[:, 0], 5),
            "y": np.round(result.coords[:, 1], 5),
        }
    ).to_csv(output.assignments, index=False)
    payload = {"params": result.params, "topics": result.info.to_dict(orient="records")}
    Path(output.info).write_text(json.dumps(payload, indent=1, ensure_ascii=False), "utf-8")
    np.save(output.centroids, result.centroids)


def load_topic_info(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """Read the topic table and parameters written by :func:`save_topics`."""
    payload = json.loads(Path(path).read_text("utf-8"))
    return pd.DataFrame(payload["topics"]), payload["params"]


def topic_centroids(X: np.ndarray, labels: np.ndarray, topics: Iterable[int]) -> np.ndarray:
    """The mean vector of each topic's rows, in the order of ``topics`` (one row each)."""
    return np.vstack([X[labels == t].mean(axis=0) for t in topics])


def representatives(
    embeddings: np.ndarray, topics: np.ndarray, topic: int, n: int = 5
) -> list[int]:
    """Row numbers of the ``n`` papers of ``topic`` closest to its centroid."""
    members = np.flatnonzero(topics == topic)
    centroid = embeddings[members].mean(axis=0)
    order = np.argsort(-(embeddings[members] @ centroid), kind="stable")
    return members[order[:n]].tolist()


def first_new_topic_id(topics: pd.DataFrame, params: Mapping) -> int:
    """The first topic id never given in a results folder: after its topics' ids and after
    its ``next_topic_id``, so that the id of a topic that has gone is not given to another.

    Args:
        topics: A run's topics (``topic``).
        params: That run's topic parameters (``next_topic_id``; absent in older snapshots).
    """
    return max(int(max(topics["topic"].max(), -1)) + 1, int(params.get("next_topic_id", 0)))


def renumber_topics(
    result: TopicResult,
    matches: dict[int, int],
    old_topics: pd.DataFrame,
    old_params: Mapping | None = None,
) -> TopicResult:
    """Give matched topics their previous id and label; new topics get ids never given before.

    A matched topic keeps its label only while the label fits its new top terms
    (:func:`label_fits`); otherwise it keeps its id under its new label.

    Args:
        result: A fresh fit.
        matches: ``{row of result.info: row of old_topics}`` (see ``history.match_topics``).
        old_topics: The previous run's topics (``topic``, ``label``).
        old_params: The previous run's topic parameters: new topics start at
            :func:`first_new_topic_id`.

    Returns:
        The result with topic ids, labels and row order changed (rows sorted by id);
        ``params`` gain ``n_topics_kept``, ``n_topics_new`` and the new ``next_topic_id``.
    """
    info = result.info.copy()
    next_id = first_new_topic_id(old_topics, old_params or {})
    ids, labels = [], []
    for row, topic in enumerate(info["topic"]):
        if topic == -1:
            ids.append(-1)
            labels.append(info.at[row, "label"])
        elif row in matches:
            before = old_topics.iloc[matches[row]]
            ids.append(int(before["topic"]))
            fits = label_fits(str(before["label"]), list(info.at[row, "top_terms"]))
            labels.append(before["label"] if fits else info.at[row, "label"])
        else:
            ids.append(next_id)
            labels.append(info.at[row, "label"])
            next_id += 1
    mapping = dict(zip(info["topic"], ids, strict=True))
    info["topic"], info["label"] = ids, labels
    order = np.argsort(info["topic"].to_numpy(), kind="stable")
    topics = np.array([mapping[t] for t in result.topics])
    params = dict(
        result.params,
        n_topics_kept=len(matches),
        n_topics_new=sum(1 for row, t in enumerate(ids) if t != -1 and row not in matches),
        next_topic_id=next_id,
    )
    return TopicResult(
        topics,
        info.iloc[order].reset_index(drop=True),
        result.centroids[order],
        result.coords,
        params,
        result.topic_by,
    )


def with_new_terms(
    result: TopicResult,
    docs: Sequence[str],
    embeddings: np.ndarray,
    settings: TopicSettings,
    retitle: bool = True,
    relayout: bool = False,
) -> TopicResult:
    """The same topics with the terms and labels, or the map, of new term or map settings.

    Terms and map do not change which papers cluster together, so the papers keep their
    topics. With ``retitle`` each topic's c-TF-IDF terms are computed again with ``settings``
    (:func:`topic_terms`), and it keeps its label while the label fits its new terms
    (:func:`label_fits`), else takes a new one.

    Args:
        result: The topics (the previous run's, new papers placed in them).
        docs: Paper texts.
        embeddings: Their embeddings (for the map).
        settings: The new term and map settings.
        retitle: Compute the terms and labels again (the term settings changed).
        relayout: Lay the map out again (its settings changed), starting from the old one.

    Returns:
        The result with new terms and labels, and with ``relayout`` new coordinates.
    """
    coords = project_2d(embeddings, settings, result.coords) if relayout else result.coords
    if not retitle:
        return replace(result, coords=coords)
    terms = topic_terms(docs, result.topics, settings)
    words = {topic: [w for w, _ in found] for topic, found in terms.items()}
    fresh = topic_labels({t: w for t, w in words.items() if t != -1}, result.topics, docs, settings)
    info = result.info.copy()
    info["top_terms"] = [words.get(t, []) for t in info["topic"]]
    info["term_weights"] = [[v for _, v in terms.get(t, [])] for t in info["topic"]]
    info["label"] = [
        label if t == -1 or label_fits(str(label), words.get(t, [])) else fresh[t]
        for t, label in zip(info["topic"], info["label"], strict=True)
    ]
    return replace(result, info=info, coords=coords)


def stored_result(previous, paper_ids: Sequence[str], docs: Sequence[str] | None = None):
    """The previous run's topics as they were, when this run has the same papers with the same
    texts (``snakemake --forceall``, a deleted output), else None.

    Placing no new paper would give the same topics under other parameters (``mode``
    "incremental"), and the run would say that nothing changed.

    Args:
        previous: The previous run's ``history.Snapshot`` (with the same settings).
        paper_ids: This run's papers.
        docs: Their texts, compared with the snapshot's text hashes when it keeps them.

    Returns:
        The stored result, its parameters included, or None.
    """
    old = previous.papers
    hashes = old["text_hash"].tolist() if docs is not None and "text_hash" in old.columns else None
    if old["paper_id"].tolist() != list(paper_ids) or (
        hashes is not None and hashes != [text_key(doc) for doc in docs]
    ):
        return None
    return TopicResult(
        old["topic"].to_numpy(int),
        previous.topics.copy(),
        np.asarray(previous.centroids, dtype=np.float32),
        old[["x", "y"]].to_numpy(np.float32),
        dict(previous.params),
        old["topic_by"].to_numpy(object) if "topic_by" in old.columns else None,
    )


def place_new_papers(
    previous,
    paper_ids: Sequence[str],
    embeddings: np.ndarray,
    settings: TopicSettings,
    docs: Sequence[str] | None = None,
    why: list[str] | None = None,
) -> TopicResult | None:
    """Add new papers to the previous run's topics without refitting, when that is sound.

    A new paper joins the topic whose centroid is most similar, and is placed on the map
    among its nearest known papers; known papers keep their topic and position, and
    topics keep their id, label and terms. A known paper whose title or abstract changed
    since the snapshot is placed again, as a new one. New papers that fit no topic well
    (less similar to every centroid than 95 % of known papers are to their own) may form
    new topics: when there are at least ``min_cluster_size`` of them, HDBSCAN clusters
    them (on their embeddings, without UMAP), each cluster becomes a topic with a new id
    and c-TF-IDF terms, and the rest join their most similar topic. No refit is possible
    (None is returned) when the papers placed and removed since the last fit (over all
    reruns) would be more than ``settings.refit_share`` of all papers, when new topics are
    needed and ``docs`` is None, or when more than :data:`MAX_POORLY_FITTING` new papers
    fit no topic well.

    Args:
        previous: The previous run's ``history.Snapshot`` (with the same settings).
        paper_ids: This run's papers.
        embeddings: Their embeddings.
        settings: Topic settings.
        docs: Paper texts, for the terms of new topics.
        why: When given, why a refit is needed is appended to it (for the reader).

    Returns:
        The topics, or None when a refit is needed.
    """
    old = previous.papers.set_index("paper_id")
    known = np.array([pid in old.index for pid in paper_ids])
    n_edited = 0
    if docs is not None and "text_hash" in old.columns:
        # a paper whose abstract changed (same identity) is placed again, as new
        stored = old["text_hash"].reindex(list(paper_ids)).to_numpy()
        same = stored == np.array([text_key(doc) for doc in docs], dtype=object)
        n_edited = int((known & ~same).sum())
        known &= same
    n = len(paper_ids)
    n_new = int((~known).sum())
    # Papers placed or removed since the last fit, this run's included: drift accumulates
    # over reruns, and topics fitted on papers that are gone describe them, not the corpus.
    # A paper placed since the fit and removed again takes back its placing: the corpus is
    # as far from the fitted one as before it came.
    # Both are read off the snapshot where it says enough (which papers were placed, how many
    # the fit had), so that they cannot drift; snapshots of older versions keep running totals.
    present = old.index.isin(list(paper_ids))
    # placed since the fit: "placed", or in a topic that a rerun since the fit created
    since = list(previous.params.get("topics_created_since_fit", []))
    was_placed = old["topic"].isin(since).to_numpy(copy=True)
    if "topic_by" in old:
        was_placed |= (old["topic_by"] == "placed").to_numpy()
        # an edited paper is placed again, and counted once, among the new ones
        placed = int(was_placed[old.index.get_indexer(np.asarray(paper_ids)[known])].sum())
    else:
        gone_placed = int((~present & was_placed).sum())
        placed = max(0, int(previous.params.get("n_placed_since_fit", 0)) - gone_placed)
    placed += n_new
    n_fit = previous.params.get("n_fit_papers")
    if n_fit is None and previous.params.get("mode") == "fit":
        n_fit = previous.params.get("n_papers")
    if n_fit is not None:  # the fit's papers less those still here
        removed = max(0, int(n_fit) - int((present & ~was_placed).sum()))
    else:
        gone = int((~present & ~was_placed).sum())
        removed = int(previous.params.get("n_removed_since_fit", 0)) + gone

    def refit(reason: str) -> None:
        if why is not None:
            why.append(reason)

    if not known.any():
        return refit("no paper of the previous run is left")
    if placed + removed > settings.refit_share * n:
        return refit(
            f"since the last fit {placed} papers were placed and {removed} removed, "
            f"{100 * (placed + removed) / n:.0f} % of the {n} papers, more than "
            f"topics.refit_share ({100 * settings.refit_share:g} %)"
        )
    topics = np.full(n, -1)
    topics[known] = old.loc[np.asarray(paper_ids)[known], "topic"].to_numpy(int)
    kept = [t for t in previous.topics["topic"] if t != -1 and (topics == t).any()]
    if not kept:
        return refit("no topic of the previous run has a paper left")
    centroids = topic_centroids(embeddings, topics, kept)
    unit = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
    own = np.array([embeddings[i] @ unit[kept.index(t)] for i, t in enumerate(topics) if t != -1])
    floor = float(np.quantile(own, 0.05)) if len(own) else 0.0
    new_rows = np.flatnonzero(~known)
    similarity = embeddings[new_rows] @ unit.T if n_new else np.zeros((0, len(kept)))
    poorly = similarity.max(axis=1) < floor if n_new else np.zeros(0, bool)
    mcs, ms, _ = settings.cluster_sizes(n)
    best = np.array(kept)[similarity.argmax(axis=1)] if n_new else np.zeros(0, int)
    if settings.outliers == "keep":
        best = np.where(poorly, -1, best)
    created: list[int] = []
    next_id = first_new_topic_id(previous.topics, previous.params)
    if poorly.sum() >= mcs:
        if docs is None:
            return None
        if poorly.sum() > MAX_POORLY_FITTING:
            return refit(
                f"{poorly.sum()} new papers fit no topic well, more than "
                f"{MAX_POORLY_FITTING:,} to cluster apart"
            )
        from hdbscan import HDBSCAN

        novel = np.flatnonzero(poorly)
        groups = HDBSCAN(
            min_cluster_size=mcs, min_samples=ms, allow_single_cluster=True
        ).fit_predict(embeddings[new_rows[novel]])
        for group in sorted(set(groups.tolist()) - {-1}):
            best[novel[groups == group]] = next_id
            created.append(next_id)
            next_id += 1
    topics[new_rows] = best
    how = np.full(n, "placed", dtype=object)
    if "topic_by" in old.columns:
        how[known] = old.loc[np.asarray(paper_ids)[known], "topic_by"].to_numpy(object)
    else:  # a snapshot of an older version
        how[known] = topic_by(topics[known])
    how[new_rows[np.isin(best, created)]] = "cluster"
    how[topics == -1] = "none"
    coords = np.zeros((n, 2), dtype=np.float32)
    coords[known] = old.loc[np.asarray(paper_ids)[known], ["x", "y"]].to_numpy(np.float32)
    coords[new_rows] = interpolate_positions(embeddings[new_rows], embeddings[known], coords[known])
    info = previous.topics.copy()
    if created:
        terms = topic_terms(docs, topics, settings)
        labels = topic_labels(
            {t: [w for w, _ in terms[t]] for t in created}, topics, docs, settings
        )
        new_info = pd.DataFrame(
            {
                "topic": created,
                "label": [labels[t] for t in created],
                "top_terms": [[w for w, _ in terms[t]] for t in created],
                "term_weights": [[v for _, v in terms[t]] for t in created],
            }
        )
        info = pd.concat([info, new_info], ignore_index=True)
    info = info[info["topic"].isin(set(topics.tolist()))].reset_index(drop=True)
    info["size"] = [int((topics == t).sum()) for t in info["topic"]]
    info["representatives"] = [representatives(embeddings, topics, t) for t in info["topic"]]
    centroids = topic_centroids(embeddings, topics, info["topic"])
    fitted = {
        k: v for k, v in previous.params.items() if k not in ("n_topics_kept", "n_topics_new")
    }
    params = {
        **fitted,
        "mode": "incremental",
        "n_papers": n,
        "n_new": n_new,
        "n_edited": n_edited,
        "n_placed_since_fit": placed,
        "n_removed_since_fit": removed,
        "topics_created_since_fit": sorted({*since, *created}),
        "n_new_poorly_fitting": int(poorly.sum()),
        "n_topics_new": len(created),
        # of the poorly fitting: in the new topics; the others joined their nearest topic all
        # the same, or (outliers: keep) none
        "n_new_in_new_topics": int(np.isin(best, created).sum()),
        "n_new_in_no_topic": int((best == -1).sum()),
        "next_topic_id": next_id,
        "novelty_floor": round(floor, 4),
        "seed": settings.seed,
        "n_outliers_after": int((topics == -1).sum()),
    }
    if n_fit is not None:
        params["n_fit_papers"] = int(n_fit)
    log.info("topics: %s", params)
    return TopicResult(topics, info, centroids.astype(np.float32), coords, params, how)
