"""Evaluation: themes against hand labels (with baselines), topic coherence, diversity, stability.

Measures follow OCTIS and the BERTopic paper: NPMI coherence (gensim's ``c_npmi``) and
topic diversity of each topic's top-10 words, and the adjusted Rand index of topic
assignments between refits with different random seeds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import Embedder, EmbeddingSettings, paper_text, paper_texts
from papertopics.labels import LabelError, read_labels
from papertopics.listings import atomic_open
from papertopics.tables import theme_membership
from papertopics.themes import keyword_baseline, theme_metrics, themes_from_config
from papertopics.topics import (
    TopicModel,
    TopicSettings,
    bertopic_class,
    count_vectorizer,
    umap_class,
)

__all__ = [
    "BORDERLINE_METHOD",
    "ZERO_SHOT_METHOD",
    "LabelError",
    "evaluation_table",
    "fit_stability",
    "label_matrix",
    "label_rows",
    "load_labels",
    "metric_rows",
    "npmi_coherence",
    "stability_ari",
    "top_words",
    "topic_diversity",
    "zero_shot_baseline",
]

log = logging.getLogger(__name__)

#: Method name of the evaluation rows that count each theme's borderline papers as members too
#: (recall only: what a reader who checks the borderline lists can recover).
BORDERLINE_METHOD = "papertopics with its borderline papers"
#: Method name of the plain BERTopic zero-shot baseline's rows, followed by its threshold.
ZERO_SHOT_METHOD = "BERTopic zero-shot"
#: Papers the zero-shot baseline is fitted on at least: the labelled ones, made up to this many
#: with other papers of the corpus when there are fewer, since UMAP and HDBSCAN fail on a
#: handful (BERTopic's 15 UMAP neighbours) and the papers it does not put into a zero-shot topic
#: are clustered. When BERTopic fails on them, it is fitted on the whole corpus.
ZERO_SHOT_MIN_PAPERS = 50


def load_labels(path: str | Path, themes: Sequence[Mapping] | None = None) -> pd.DataFrame:
    """Hand labels as a frame: :func:`papertopics.labels.read_labels`, one row per title.

    Returns:
        Columns ``title``, ``themes`` (keys joined by ``;``), ``line`` and ``paper_id``.

    Raises:
        LabelError: See :func:`papertopics.labels.read_labels`.
    """
    return pd.DataFrame(read_labels(path, themes), columns=["title", "themes", "line", "paper_id"])


def label_matrix(
    paper_ids: Sequence[str], labels: pd.DataFrame, keys: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Hand labels aligned with papers.

    Returns:
        ``(labelled, truth)``: a boolean mask of the papers that have a label, and the
        boolean ``(n_labelled, n_themes)`` label matrix of those papers.
    """
    by_id = dict(zip(labels["paper_id"], labels["themes"], strict=True))
    labelled = np.array([pid in by_id for pid in paper_ids])
    truth = np.array(
        [[key in by_id[pid].split(";") for key in keys] for pid in paper_ids if pid in by_id],
        dtype=bool,
    ).reshape(-1, len(keys))
    return labelled, truth


def label_rows(labels: pd.DataFrame, paper_ids: Sequence[str], keys: Sequence[str]) -> list[dict]:
    """The evaluation rows that describe the labels against the corpus (method ``labels``).

    Args:
        labels: :func:`load_labels` output.
        paper_ids: The corpus's paper ids.
        keys: Theme keys.

    Returns:
        ``n_papers`` (labelled papers of the corpus), ``n_unmatched`` (labelled titles that are
        not papers of the corpus) and, per theme, ``support`` (labelled papers carrying it).
    """
    return _count_rows(*_matched(labels, paper_ids, keys), keys)


def _matched(labels: pd.DataFrame, paper_ids: Sequence[str], keys: Sequence[str]):
    """``(labelled, truth)`` of :func:`label_matrix`, and the labels of no paper here."""
    labelled, truth = label_matrix(paper_ids, labels, keys)
    return labelled, truth, labels[~labels["paper_id"].isin(set(paper_ids))]


def _count_rows(labelled, truth, unmatched: pd.DataFrame, keys: Sequence[str]) -> list[dict]:
    """The rows of :func:`label_rows` from :func:`_matched`."""
    rows = [
        {"metric": "n_papers", "scope": "labelled", "value": int(labelled.sum())},
        {"metric": "n_unmatched", "scope": "labelled", "value": len(unmatched)},
    ]
    rows += [
        {"metric": "support", "scope": key, "value": int(n)}
        for key, n in zip(keys, truth.sum(axis=0), strict=True)
    ]
    return [{"method": "labels", **row} for row in rows]


def top_words(terms: Sequence[str], n: int = 10) -> list[str]:
    """The first ``n`` distinct words of a topic's terms (bigrams split into their words)."""
    words: list[str] = []
    for term in terms:
        for word in term.split():
            if word not in words:
                words.append(word)
    return words[:n]


def _tokenize(docs: Sequence[str]) -> list[list[str]]:
    """Words of each document, tokenised as the topic terms are (unigrams, no stop words)."""
    analyzer = count_vectorizer(TopicSettings(ngram_range=(1, 1))).build_analyzer()
    return [analyzer(doc) for doc in docs]


def npmi_coherence(topics_words: Sequence[Sequence[str]], docs: Sequence[str]) -> float:
    """Mean NPMI coherence of the topics' words over the corpus (gensim ``c_npmi``, as OCTIS).

    Args:
        topics_words: Top words of each topic.
        docs: The corpus the topics were fitted on.

    Returns:
        The mean NPMI in [-1, 1]; NaN when no topic has two known words.
    """
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    texts = _tokenize(docs)
    dictionary = Dictionary(texts)
    usable = [[w for w in words if w in dictionary.token2id] for words in topics_words]
    usable = [words for words in usable if len(words) >= 2]
    if not usable:
        return float("nan")
    model = CoherenceModel(
        topics=usable, texts=texts, dictionary=dictionary, coherence="c_npmi", topn=10, processes=1
    )
    return float(np.nanmean(model.get_coherence_per_topic()))


def topic_diversity(topics_words: Sequence[Sequence[str]], n: int = 10) -> float:
    """Share of unique words among all topics' top-``n`` words (1 = no word repeated)."""
    words = [w for topic in topics_words for w in list(topic)[:n]]
    return len(set(words)) / len(words) if words else float("nan")


def stability_ari(assignments: Sequence[Sequence[int]]) -> float:
    """Mean adjusted Rand index over every pair of topic assignments of the same papers."""
    from sklearn.metrics import adjusted_rand_score

    pairs = list(itertools.combinations(assignments, 2))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs]))


def zero_shot_baseline(
    docs: Sequence[str],
    embeddings: np.ndarray,
    theme_names: Sequence[str],
    embedder: Embedder,
    *,
    min_similarities: Sequence[float] = (0.7,),
    seed: int = 42,
    cache_dir: str | Path | None = None,
    n_jobs: int = 1,
) -> list[np.ndarray]:
    """Plain BERTopic zero-shot topic modelling with the theme names as the topic list.

    A paper is in a theme when BERTopic assigns it to that zero-shot topic. The predictions
    depend only on the arguments (and the versions of BERTopic, UMAP and HDBSCAN), so with a
    ``cache_dir`` they are stored under a hash of them: a rerun that changed no paper (a
    theme's keywords or thresholds edited) does not fit BERTopic again. The fits that are not
    stored run in up to ``n_jobs`` processes.

    Args:
        docs: Paper texts.
        embeddings: Their embeddings (by ``embedder``'s model).
        theme_names: One name per theme (its label).
        embedder: What embeds the names; with a cache that holds them, no model is loaded.
        min_similarities: BERTopic's ``zeroshot_min_similarity`` (its default is 0.7): one
            fit for each.
        seed: UMAP seed.
        cache_dir: Folder of stored predictions; None fits every time.
        n_jobs: Processes for the fits (joblib).

    Returns:
        Boolean ``(n_papers, n_themes)`` predictions, one per ``min_similarities``.
    """
    predictions: list[np.ndarray | None] = []
    stored: list[Path | None] = []
    if cache_dir is not None:  # the papers are hashed once, then each fit's settings
        papers = hashlib.sha1(np.ascontiguousarray(embeddings, dtype=np.float32).tobytes())
        papers.update("\0".join(docs).encode("utf-8"))
        versions = [metadata.version(n) for n in ("bertopic", "umap-learn", "hdbscan")]
    for min_similarity in min_similarities:
        path = None
        if cache_dir is not None:
            setup = [list(theme_names), min_similarity, seed, embedder.fingerprint, versions]
            digest = papers.copy()
            digest.update(json.dumps(setup).encode())
            path = Path(cache_dir) / f"zero-shot-{digest.hexdigest()[:16]}.npy"
        stored.append(path)
        predictions.append(_stored_prediction(path, min_similarity))
    missing = [i for i, predicted in enumerate(predictions) if predicted is None]
    if missing:
        # embedded here, so that the fits need no model (and can run in other processes)
        name_vectors = embedder.embed(list(theme_names))
        fitted = _parallel(
            "zero-shot baseline: fitting BERTopic at min_similarity "
            + ", ".join(str(min_similarities[i]) for i in missing),
            n_jobs,
            _fit_zero_shot,
            [
                (docs, embeddings, theme_names, name_vectors, min_similarities[i], seed)
                for i in missing
            ],
        )
        for i, predicted in zip(missing, fitted, strict=True):
            predictions[i] = predicted
            if stored[i] is not None:
                stored[i].parent.mkdir(parents=True, exist_ok=True)
                with atomic_open(stored[i], "wb") as out:
                    np.save(out, predicted)
    return predictions


def _stored_prediction(path: Path | None, min_similarity: float) -> np.ndarray | None:
    """The stored zero-shot prediction at ``path``, or None (none stored, or unreadable)."""
    if path is None or not path.is_file():
        return None
    try:
        predicted = np.load(path)
    except (OSError, ValueError, EOFError):  # EOFError: an empty file
        log.warning("%s: unreadable, zero-shot baseline fitted again", path)
        return None
    log.info("zero-shot predictions (min_similarity %s) from %s", min_similarity, path)
    return predicted


def _parallel(what: str, n_jobs: int, function, arguments: Sequence[tuple]) -> list:
    """``function`` over ``arguments`` in up to ``n_jobs`` processes (in this one for 1).

    Args:
        what: What the calls do, for the log.
        n_jobs: Most processes (joblib's, started once per job and reused).
        function: A module-level function (the processes import it).
        arguments: One tuple of positional arguments per call.

    Returns:
        The results, in the order of ``arguments``.
    """
    from joblib import Parallel, delayed

    n_jobs = max(1, min(int(n_jobs), len(arguments)))
    log.info("%s%s", what, f" in {n_jobs} processes" if n_jobs > 1 else "")
    return Parallel(n_jobs=n_jobs)(delayed(function)(*args) for args in arguments)


def _fit_zero_shot(docs, embeddings, theme_names, name_vectors, min_similarity, seed) -> np.ndarray:
    """One fit of :func:`zero_shot_baseline`, without its cache."""
    BERTopic = bertopic_class()
    from bertopic.backend import BaseEmbedder

    known = dict(zip(theme_names, np.asarray(name_vectors), strict=True))

    class Backend(BaseEmbedder):  # BERTopic embeds the theme names only
        def embed(self, documents, verbose=False):
            return np.vstack([known[text] for text in documents])

    UMAP = umap_class()
    model = BERTopic(
        embedding_model=Backend(),
        zeroshot_topic_list=list(theme_names),
        zeroshot_min_similarity=min_similarity,
        umap_model=UMAP(
            n_components=5, n_neighbors=15, min_dist=0.0, metric="cosine", random_state=seed
        ),
    )
    topics, _ = model.fit_transform(list(docs), embeddings)
    names = model.topic_labels_  # zero-shot topics are labelled with their name
    # BERTopic's rule: a paper is in the zero-shot topic of its most similar name, when that
    # cosine reaches min_similarity. When every paper does, BERTopic (0.17) still groups them
    # so but labels the groups with their words, not with the names (MaartenGr/BERTopic issue
    # 2447, open): name each group by the closest name of its papers
    from sklearn.metrics.pairwise import cosine_similarity  # BERTopic's, loaded with it

    similarity = cosine_similarity(embeddings, np.asarray(name_vectors))
    if len(docs) and (similarity.max(axis=1) >= min_similarity).all():
        closest, topics = similarity.argmax(axis=1), np.asarray(topics)
        names = {
            topic: theme_names[np.bincount(closest[topics == topic]).argmax()]
            for topic in set(topics.tolist())
        }
    predicted = np.zeros((len(docs), len(theme_names)), dtype=bool)
    for j, name in enumerate(theme_names):
        ids = {topic for topic, label in names.items() if label == name}
        predicted[:, j] = np.isin(topics, list(ids))
    return predicted


def metric_rows(method: str, metrics: pd.DataFrame) -> list[dict]:
    """Long-format rows ``method, metric, scope, value`` from a per-theme metrics table.

    Args:
        method: Name of the method.
        metrics: Indexed by theme (plus ``macro``), columns ``precision, recall, f1``.
    """
    rows = []
    for scope, values in metrics.iterrows():
        for metric in ("precision", "recall", "f1"):
            if metric in values and pd.notna(values[metric]):
                name = "macro_f1" if scope == "macro" and metric == "f1" else metric
                if scope == "macro" and metric != "f1":
                    name = f"macro_{metric}"
                rows.append(
                    {
                        "method": method,
                        "metric": name,
                        "scope": str(scope),
                        "value": round(float(values[metric]), 4),
                    }
                )
    return rows


def _theme_rows(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    truth: np.ndarray,
    labelled,
    config: Mapping,
    embedding_cache: str | Path | None = None,
    evaluation_cache: str | Path | None = None,
    n_jobs: int = 1,
) -> list[dict]:
    """Theme F1 of papertopics (and its recall with borderline papers) and the baselines."""
    definitions = config["themes"]["definitions"]
    keys = [d["key"] for d in definitions]
    true = pd.DataFrame(truth, columns=keys)

    def score(method, predicted):
        predicted = pd.DataFrame(np.asarray(predicted)[labelled], columns=keys)
        return metric_rows(method, theme_metrics(true, predicted))

    members = theme_membership(papers["themes"], keys)
    rows = score("papertopics", members)
    # what reading the borderline lists can recover: recall with every borderline paper taken too
    near = members | theme_membership(papers["borderline_themes"], keys)
    rows += [r for r in score(BORDERLINE_METHOD, near) if r["metric"] in ("recall", "macro_recall")]
    themes, _ = themes_from_config(config["themes"])
    titles, abstracts = papers["title"].tolist(), papers["abstract"].tolist()
    rows += score("keyword search", keyword_baseline(titles, abstracts, themes)[keys])
    embedder = Embedder(EmbeddingSettings.from_config(config["embedding"]), embedding_cache)
    names = [d["label"] for d in definitions]
    thresholds = (0.7, 0.5)

    def zero_shot(fit_on):
        return zero_shot_baseline(
            [paper_text(t, a) for t, a, k in zip(titles, abstracts, fit_on, strict=True) if k],
            np.asarray(embeddings)[fit_on],
            names,
            embedder,
            min_similarities=thresholds,
            seed=config["topics"]["seed"],
            cache_dir=evaluation_cache,
            n_jobs=n_jobs,
        )

    # BERTopic puts a paper into a zero-shot topic by its own similarity to the names alone
    # (the others are clustered apart, into other topics), so the labelled papers' predictions
    # do not depend on the other papers: fitted on the labelled ones, a rerun that adds
    # unlabelled papers finds them stored (tests/test_evaluate.py checks the premise)
    every_paper = np.ones(len(papers), dtype=bool)
    fit_on = _zero_shot_papers(labelled, papers)
    tries = [every_paper] if fit_on.all() else [fit_on, every_paper]
    for fit_on in tries:
        log.info("zero-shot baseline on %s", _papers_named(fit_on, labelled))
        try:
            predictions = zero_shot(fit_on)
            break
        except (ValueError, TypeError) as error:  # UMAP, HDBSCAN: too few papers to cluster
            log.warning(
                "zero-shot baseline: BERTopic failed on %s: %s",
                _papers_named(fit_on, labelled),
                error,
            )
    else:
        return rows  # not measured: no zero-shot rows
    for threshold, predicted in zip(thresholds, predictions, strict=True):
        every = np.zeros((len(papers), len(keys)), dtype=bool)
        every[fit_on] = predicted
        rows += score(f"{ZERO_SHOT_METHOD} (min_similarity {threshold})", every)
    return rows


def _zero_shot_papers(labelled, papers: pd.DataFrame) -> np.ndarray:
    """The papers the zero-shot baseline is fitted on: the labelled ones, at least
    :data:`ZERO_SHOT_MIN_PAPERS`.

    A shortfall is made up with the other papers of lowest ``paper_id`` (a hash of the title):
    a rerun keeps the set, and finds the predictions stored, unless a new paper's id sorts
    among them; then it fits these few papers again, not the corpus.
    """
    fit_on = np.array(labelled, dtype=bool)
    short = ZERO_SHOT_MIN_PAPERS - int(fit_on.sum())
    if short > 0:
        others = np.flatnonzero(~fit_on)
        by_id = np.argsort(papers["paper_id"].to_numpy()[others], kind="stable")
        fit_on[others[by_id[:short]]] = True
    return fit_on


def _papers_named(fit_on: np.ndarray, labelled) -> str:
    """``the 165 labelled papers``, ``the 30 labelled papers and 20 others`` or ``all 1,108
    papers``, for the log."""
    if fit_on.all():
        return f"all {len(fit_on):,} papers"
    n_labelled = int(np.count_nonzero(labelled))
    others = int(fit_on.sum()) - n_labelled
    return f"the {n_labelled:,} labelled papers" + (
        f" and {others:,} other{'s' * (others != 1)}" if others else ""
    )


def fit_stability(
    docs: Sequence[str],
    embeddings: np.ndarray,
    config: Mapping,
    topic_params: Mapping | None = None,
    cache_dir: str | Path | None = None,
    n_jobs: int = 1,
) -> tuple[float, str]:
    """Stability of the topic fit: the mean ARI of refits with ``evaluation.stability_seeds``.

    The refits cost what as many cold fits do, so the measurement is stored in ``cache_dir``
    under the fit's identity (``fit_id`` of the topic parameters,
    :func:`papertopics.history.fit_key`). A rerun that placed new papers into the known topics
    (``mode`` incremental) fitted nothing: its topics are that fit's, and so is its stability,
    which is reused. Without a stored measurement the papers of this run are refitted.

    Args:
        docs: Paper texts.
        embeddings: Their embeddings, in the same order.
        config: The validated config.
        topic_params: ``params`` of the topic step (``topics.json``), or None.
        cache_dir: Folder of stored measurements; None measures every time.
        n_jobs: Processes for the refits (joblib).

    Returns:
        The mean ARI, and its scope: the seeds, and the number of papers of the fit when it
        had fewer or other papers than this run.
    """
    seeds = [int(seed) for seed in config["evaluation"]["stability_seeds"]]
    scope = "seeds " + ", ".join(map(str, seeds))
    params = topic_params or {}
    fit_id = params.get("fit_id")
    stored = Path(cache_dir) / f"stability-{fit_id}.json" if cache_dir and fit_id else None
    if stored is not None and stored.is_file():
        try:
            kept = json.loads(stored.read_text("utf-8"))
            value, n_fitted = float(kept["value"]), int(kept["n_papers"])
            same_seeds = kept["seeds"] == seeds
        except (ValueError, KeyError, TypeError):
            log.warning("%s: unreadable, stability measured again", stored)
        else:
            if same_seeds:
                log.info("stability of topic fit %s (%d papers) from %s", fit_id, n_fitted, stored)
                if n_fitted != len(docs):
                    scope += f"; the {n_fitted:,} papers of the last topic fit"
                return value, scope
    runs = _parallel(
        f"stability: refitting the {len(docs):,} papers with {scope}",
        n_jobs,
        _seed_topics,
        [(docs, embeddings, config, seed) for seed in seeds],
    )
    value = stability_ari(runs)
    if stored is not None and params.get("mode") == "fit":  # these papers are the fit's
        stored.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(stored) as out:
            json.dump({"seeds": seeds, "n_papers": len(docs), "value": value}, out)
    return value, scope


def _seed_topics(docs, embeddings, config, seed) -> list[int]:
    """The topic of each paper in a fit with ``seed`` (one of :func:`fit_stability`'s refits)."""
    settings = TopicSettings.from_config(config, seed=seed)
    return list(TopicModel(settings).fit(docs, embeddings, with_map=False).topics)


def _topic_rows(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    topics: pd.DataFrame,
    config: Mapping,
    topic_params: Mapping | None,
    cache_dir: str | Path | None,
    n_jobs: int = 1,
) -> list[dict]:
    """NPMI and diversity of the topics' top-10 words, and stability across seeds."""
    docs = paper_texts(papers["title"], papers["abstract"])
    words = [top_words(t.split(", ")) for t in topics.loc[topics["topic"] != -1, "top_terms"]]
    stability, scope = fit_stability(docs, embeddings, config, topic_params, cache_dir, n_jobs)
    measures = [
        ("npmi", "topics (top-10 words)", npmi_coherence(words, docs)),
        ("topic_diversity", "topics (top-10 words)", topic_diversity(words)),
        ("stability_ari", scope, stability),
    ]
    if not words:
        log.info("no topic (every paper is an outlier): NPMI and diversity not measured")
    return [
        {"method": "papertopics", "metric": metric, "scope": scope, "value": round(value, 4)}
        for metric, scope, value in measures
        if not np.isnan(value)  # NaN: nothing to measure (no topic, or no known word)
    ]


def evaluation_table(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    topics: pd.DataFrame,
    labels: pd.DataFrame,
    config: Mapping,
    topic_params: Mapping | None = None,
    *,
    embedding_cache: str | Path | None = None,
    evaluation_cache: str | Path | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Everything ``evaluation.csv`` holds (the evaluate rule).

    The labels' counts (:func:`label_rows`); then, when some labelled title is a paper of the
    corpus, per-theme precision, recall and F1 of papertopics, of it with its borderline papers
    (recall only), of the keyword search and of plain BERTopic zero-shot at
    ``min_similarity`` 0.7 and 0.5; and the topics' NPMI, diversity and stability across
    ``evaluation.stability_seeds``. Without a labelled paper only the counts are returned.

    Args:
        papers: ``papers.csv`` (``paper_id, title, abstract, themes, borderline_themes``).
        embeddings: The papers' embeddings, in the same order.
        topics: ``topics.csv`` (``topic, top_terms``).
        labels: :func:`load_labels` of ``evaluation.labels``.
        config: The validated config.
        topic_params: ``params`` of the topic step (``topics.json``): whose fit's stability
            to measure or reuse (:func:`fit_stability`).
        embedding_cache: The embedding cache (the embed jobs'): the zero-shot baseline's theme
            names are embedded once. None: the model is loaded on every run.
        evaluation_cache: Folder of stored measurements: the stability by topic fit
            (:func:`fit_stability`) and the zero-shot predictions by their inputs
            (:func:`zero_shot_baseline`). None measures everything every time.
        n_jobs: Processes for the fits of the stability and of the zero-shot baseline.

    Returns:
        Rows ``method, metric, scope, value``.
    """
    keys = [d["key"] for d in config["themes"]["definitions"]]
    labelled, truth, unmatched = _matched(labels, papers["paper_id"], keys)
    rows = _count_rows(labelled, truth, unmatched, keys)
    log.info("%d of %d papers have hand labels", labelled.sum(), len(papers))
    if len(unmatched):
        first = unmatched.iloc[0]
        log.warning(
            "%d labelled titles are not papers of this corpus, e.g. %s (line %d)",
            len(unmatched),
            first["title"],
            first["line"],
        )
    if not labelled.any():  # e.g. the seed labels beside one's own listings
        log.warning("no labelled title is a paper of this corpus: nothing to evaluate")
    else:
        unlabelled = [key for key, n in zip(keys, truth.sum(axis=0), strict=True) if n == 0]
        if unlabelled:
            log.warning("no labelled paper carries %s: not measured", ", ".join(unlabelled))
        rows += _theme_rows(
            papers, embeddings, truth, labelled, config, embedding_cache, evaluation_cache, n_jobs
        )
        rows += _topic_rows(
            papers, embeddings, topics, config, topic_params, evaluation_cache, n_jobs
        )
    # counts stay integers in the CSV ("165", not "165.0") beside the rounded measures
    return pd.DataFrame(rows, columns=["method", "metric", "scope", "value"], dtype=object)
