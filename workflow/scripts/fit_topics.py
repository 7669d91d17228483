"""Fit topics and the 2-D map, or place new papers into the previous topics (rule fit_topics)."""

import numpy as np

from papertopics.embed import paper_text
from papertopics.history import fit_key, keep_topic_ids, load_snapshot, topic_fingerprint
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.topics import (
    TopicModel,
    TopicSettings,
    place_new_papers,
    previous_layout,
    save_topics,
)

log = setup_logging(snakemake.log[0])
params = snakemake.params
papers = read_papers(snakemake.input.papers)
ids = [p.paper_id for p in papers]
embeddings = np.load(snakemake.input.embeddings)
settings = TopicSettings.from_config({"topics": params.topics, "terms": params.terms})
fingerprint = topic_fingerprint(params.embedding, params.topics, params.terms)

previous = load_snapshot(params.history)
if previous is not None and previous.fingerprint != fingerprint:
    log.info("settings changed since the previous run: topics are refitted from scratch")
    previous = None
docs = [paper_text(p.title, p.abstract) for p in papers]
result = place_new_papers(previous, ids, embeddings, settings, docs) if previous else None
if result is None:
    init = previous_layout(previous.papers, ids, embeddings) if previous else None
    result = TopicModel(settings).fit(docs, embeddings, map_init=init)
    if previous is not None:
        result = keep_topic_ids(result, ids, previous)
        log.info(
            "%d topics kept their previous id, %d are new",
            result.params["n_topics_kept"],
            result.params["n_topics_new"],
        )
result.params["fingerprint"] = fingerprint
if result.params["mode"] == "fit":  # placed papers keep the fit's id (place_new_papers)
    result.params["fit_id"] = fit_key(embeddings, fingerprint)
save_topics(result, ids, snakemake.output)
