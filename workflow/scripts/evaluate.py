"""Evaluate themes and topics against hand labels (rule evaluate)."""

import numpy as np
import pandas as pd

from papertopics.embed import Embedder, EmbeddingSettings, paper_text, set_threads
from papertopics.evaluate import (
    BORDERLINE_METHOD,
    label_matrix,
    label_rows,
    load_labels,
    metric_rows,
    npmi_coherence,
    stability_ari,
    top_words,
    topic_diversity,
    zero_shot_baseline,
)
from papertopics.logs import setup_logging
from papertopics.tables import theme_membership
from papertopics.themes import keyword_baseline, theme_metrics, themes_from_config
from papertopics.topics import TopicModel, TopicSettings

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
config = snakemake.params.config
if not snakemake.input.labels:
    raise SystemExit(
        "papertopics: evaluation.labels is null: set it to a hand-label file to evaluate"
    )
definitions = config["themes"]["definitions"]
keys = [d["key"] for d in definitions]
papers = pd.read_csv(snakemake.input.papers, keep_default_na=False)
labels = load_labels(snakemake.input.labels, definitions)
labelled, truth = label_matrix(papers["paper_id"], labels, keys)
rows = label_rows(labels, papers["paper_id"], keys)
log.info("%d of %d papers have hand labels", labelled.sum(), len(papers))
unmatched = labels[~labels["paper_id"].isin(papers["paper_id"])]
if len(unmatched):
    log.warning(
        "%d labelled titles are not papers of this corpus, e.g. %s (line %d)",
        len(unmatched),
        unmatched["title"].iloc[0],
        unmatched["line"].iloc[0],
    )
unlabelled = [key for key, n in zip(keys, truth.sum(axis=0), strict=True) if n == 0]
if labelled.any() and unlabelled:
    log.warning("no labelled paper carries %s: no recall or F1 for it", ", ".join(unlabelled))


def score(method, predicted):
    predicted = pd.DataFrame(np.asarray(predicted)[labelled], columns=keys)
    return metric_rows(method, theme_metrics(pd.DataFrame(truth, columns=keys), predicted))


def evaluate():
    """Every measure but the label counts: themes with two baselines, then the topics."""
    out = []
    members = theme_membership(papers["themes"], keys)
    out += score("papertopics", members)
    # what reading the borderline lists can recover: recall with every borderline paper taken too
    near = members | theme_membership(papers["borderline_themes"], keys)
    out += [r for r in score(BORDERLINE_METHOD, near) if r["metric"] in ("recall", "macro_recall")]
    themes, _ = themes_from_config(config["themes"])
    kw = keyword_baseline(papers["title"].tolist(), papers["abstract"].tolist(), themes)
    out += score("keyword search", kw[keys].to_numpy(bool))

    embeddings = np.load(snakemake.input.embeddings)
    docs = [paper_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]
    model = Embedder(EmbeddingSettings.from_config(config["embedding"])).model
    names = [d["label"] for d in definitions]
    for threshold in (0.7, 0.5):
        predicted = zero_shot_baseline(
            docs, embeddings, names, model, min_similarity=threshold, seed=config["topics"]["seed"]
        )
        out += score(f"BERTopic zero-shot (min_similarity {threshold})", predicted)

    terms = pd.read_csv(snakemake.input.topics, keep_default_na=False)
    words = [top_words(t.split(", ")) for t in terms.loc[terms["topic"] != -1, "top_terms"]]
    scope = "topics (top-10 words)"
    out.append(
        {
            "method": "papertopics",
            "metric": "npmi",
            "scope": scope,
            "value": round(npmi_coherence(words, docs), 4),
        }
    )
    out.append(
        {
            "method": "papertopics",
            "metric": "topic_diversity",
            "scope": scope,
            "value": round(topic_diversity(words), 4),
        }
    )
    seeds = config["evaluation"]["stability_seeds"]
    runs = [
        TopicModel(TopicSettings.from_config(config, seed=s))
        .fit(docs, embeddings, with_map=False)
        .topics
        for s in seeds
    ]
    out.append(
        {
            "method": "papertopics",
            "metric": "stability_ari",
            "scope": "seeds " + ", ".join(map(str, seeds)),
            "value": round(stability_ari(runs), 4),
        }
    )
    return out


if labelled.any():
    rows += evaluate()
else:  # e.g. the seed labels beside one's own listings: say so, lose nothing else
    log.warning(
        "none of the %d titles in %s is a paper of this corpus: nothing to evaluate",
        len(labels),
        snakemake.input.labels,
    )
pd.DataFrame(rows, columns=["method", "metric", "scope", "value"]).to_csv(
    snakemake.output[0], index=False
)
log.info("\n%s", pd.DataFrame(rows).to_string())
