"""Evaluation: themes against hand labels (with baselines), topic coherence, diversity, stability.

Measures follow OCTIS and the BERTopic paper: NPMI coherence (gensim's ``c_npmi``) and
topic diversity of each topic's top-10 words, and the adjusted Rand index of topic
assignments between refits with different random seeds.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.labels import LabelError, read_labels
from papertopics.tables import theme_membership
from papertopics.themes import keyword_baseline, theme_metrics, themes_from_config
from papertopics.topics import TopicModel, TopicSettings, count_vectorizer, umap_class

__all__ = [
    "BORDERLINE_METHOD",
    "LabelError",
    "evaluation_table",
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
    embedding_model,
    *,
    min_similarity: float = 0.7,
    seed: int = 42,
) -> np.ndarray:
    """Plain BERTopic zero-shot topic modelling with the theme names as the topic list.

    A paper is in a theme when BERTopic assigns it to that zero-shot topic.

    Args:
        docs: Paper texts.
        embeddings: Their embeddings (same model as ``embedding_model``).
        theme_names: One name per theme (its label).
        embedding_model: The sentence-transformers model BERTopic embeds the names with.
        min_similarity: BERTopic's ``zeroshot_min_similarity`` (its default is 0.7).
        seed: UMAP seed.

    Returns:
        Boolean ``(n_papers, n_themes)`` predictions.
    """
    from bertopic import BERTopic

    UMAP = umap_class()
    model = BERTopic(
        embedding_model=embedding_model,
        zeroshot_topic_list=list(theme_names),
        zeroshot_min_similarity=min_similarity,
        umap_model=UMAP(
            n_components=5, n_neighbors=15, min_dist=0.0, metric="cosine", random_state=seed
        ),
    )
    topics, _ = model.fit_transform(list(docs), embeddings)
    names = model.topic_labels_  # zero-shot topics are labelled with their name
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
    papers: pd.DataFrame, embeddings: np.ndarray, truth: np.ndarray, labelled, config: Mapping
) -> list[dict]:
    """Theme F1 of papertopics (and its recall with borderline papers) and the baselines."""
    from papertopics.embed import Embedder, EmbeddingSettings, paper_text

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
    docs = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    model = Embedder(EmbeddingSettings.from_config(config["embedding"])).model
    names = [d["label"] for d in definitions]
    for threshold in (0.7, 0.5):
        predicted = zero_shot_baseline(
            docs, embeddings, names, model, min_similarity=threshold, seed=config["topics"]["seed"]
        )
        rows += score(f"BERTopic zero-shot (min_similarity {threshold})", predicted)
    return rows


def _topic_rows(
    papers: pd.DataFrame, embeddings: np.ndarray, topics: pd.DataFrame, config: Mapping
) -> list[dict]:
    """NPMI and diversity of the topics' top-10 words, and stability across seeds."""
    from papertopics.embed import paper_text

    docs = [paper_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]
    words = [top_words(t.split(", ")) for t in topics.loc[topics["topic"] != -1, "top_terms"]]
    seeds = config["evaluation"]["stability_seeds"]
    runs = [
        TopicModel(TopicSettings.from_config(config, seed=seed))
        .fit(docs, embeddings, with_map=False)
        .topics
        for seed in seeds
    ]
    measures = [
        ("npmi", "topics (top-10 words)", npmi_coherence(words, docs)),
        ("topic_diversity", "topics (top-10 words)", topic_diversity(words)),
        ("stability_ari", "seeds " + ", ".join(map(str, seeds)), stability_ari(runs)),
    ]
    return [
        {"method": "papertopics", "metric": metric, "scope": scope, "value": round(value, 4)}
        for metric, scope, value in measures
    ]


def evaluation_table(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    topics: pd.DataFrame,
    labels: pd.DataFrame,
    config: Mapping,
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
        rows += _theme_rows(papers, embeddings, truth, labelled, config)
        rows += _topic_rows(papers, embeddings, topics, config)
    # counts stay integers in the CSV ("165", not "165.0") beside the rounded measures
    return pd.DataFrame(rows, columns=["method", "metric", "scope", "value"], dtype=object)
