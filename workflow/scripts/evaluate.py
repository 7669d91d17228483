"""Evaluate themes and topics against hand labels (rule evaluate)."""

import numpy as np
import pandas as pd

from papertopics.embed import Embedder, EmbeddingSettings, paper_text, set_threads
from papertopics.evaluate import (
    BORDERLINE_METHOD,
    label_matrix,
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
from papertopics.themes import keyword_baseline, theme_metrics
from papertopics.topics import TopicModel, TopicSettings

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
config = snakemake.params.config
definitions = config["themes"]["definitions"]
keys = [d["key"] for d in definitions]
papers = pd.read_csv(snakemake.input.papers, keep_default_na=False)
embeddings = np.load(snakemake.input.embeddings)
docs = [paper_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]
labels = load_labels(snakemake.input.labels, definitions)
labelled, truth = label_matrix(papers["paper_id"], labels, keys)
unmatched = labels[~labels["paper_id"].isin(papers["paper_id"])]
log.info("%d of %d papers have hand labels", labelled.sum(), len(papers))
if len(unmatched):
    log.warning(
        "%d labelled titles are not papers of this corpus, e.g. %s (line %d)",
        len(unmatched),
        unmatched["title"].iloc[0],
        unmatched["line"].iloc[0],
    )
if not labelled.any():
    raise SystemExit(
        f"papertopics: {snakemake.input.labels}: none of its {len(labels)} titles is a paper "
        "of this corpus (evaluation.labels)"
    )
truth = pd.DataFrame(truth, columns=keys)


def score(method, predicted):
    predicted = pd.DataFrame(np.asarray(predicted)[labelled], columns=keys)
    return metric_rows(method, theme_metrics(truth, predicted))


rows = [
    {"method": "labels", "metric": "n_papers", "scope": "labelled", "value": int(labelled.sum())},
    {"method": "labels", "metric": "n_unmatched", "scope": "labelled", "value": len(unmatched)},
]
members = theme_membership(papers["themes"], keys)
rows += score("papertopics", members)
# what reading the borderline lists can recover: recall with every borderline paper taken too
near = members | theme_membership(papers["borderline_themes"], keys)
rows += [r for r in score(BORDERLINE_METHOD, near) if r["metric"] in ("recall", "macro_recall")]
kw = keyword_baseline(papers["title"].tolist(), papers["abstract"].tolist())
rows += score("keyword search", kw[keys].to_numpy(bool))

settings = EmbeddingSettings.from_config(config["embedding"])
model = Embedder(settings).model
names = [d["label"] for d in definitions]
for threshold in (0.7, 0.5):
    predicted = zero_shot_baseline(
        docs, embeddings, names, model, min_similarity=threshold, seed=config["topics"]["seed"]
    )
    rows += score(f"BERTopic zero-shot (min_similarity {threshold})", predicted)

topic_terms = pd.read_csv(snakemake.input.topics, keep_default_na=False)
words = [top_words(t.split(", ")) for t in topic_terms.loc[topic_terms["topic"] != -1, "top_terms"]]
rows.append(
    {
        "method": "papertopics",
        "metric": "npmi",
        "scope": "topics (top-10 words)",
        "value": round(npmi_coherence(words, docs), 4),
    }
)
rows.append(
    {
        "method": "papertopics",
        "metric": "topic_diversity",
        "scope": "topics (top-10 words)",
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
rows.append(
    {
        "method": "papertopics",
        "metric": "stability_ari",
        "scope": "seeds " + ", ".join(map(str, seeds)),
        "value": round(stability_ari(runs), 4),
    }
)
pd.DataFrame(rows, columns=["method", "metric", "scope", "value"]).to_csv(
    snakemake.output[0], index=False
)
log.info("\n%s", pd.DataFrame(rows).to_string())
