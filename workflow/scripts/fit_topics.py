"""Fit topics and the 2-D map, or place new papers into the previous topics (rule fit_topics)."""

import numpy as np

from papertopics.embed import paper_text
from papertopics.history import load_snapshot, match_topics, topic_fingerprint
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.topics import (
    TopicModel,
    TopicSettings,
    interpolate_positions,
    place_new_papers,
    renumber_topics,
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
    init = None
    if previous is not None:
        old = previous.papers.set_index("paper_id")
        known = np.array([pid in old.index for pid in ids])
        init = np.zeros((len(ids), 2), dtype=np.float32)
        init[known] = old.loc[np.asarray(ids)[known], ["x", "y"]].to_numpy(np.float32)
        init[~known] = interpolate_positions(embeddings[~known], embeddings[known], init[known])
    result = TopicModel(settings).fit(docs, embeddings, map_init=init)
    if previous is not None:
        matches = match_topics(
            result.centroids,
            result.info["top_terms"],
            previous.centroids,
            previous.topics["top_terms"],
        )
        result = renumber_topics(result, matches, previous.topics)
        log.info(
            "%d topics kept their previous id, %d are new",
            result.params["n_topics_kept"],
            result.params["n_topics_new"],
        )
result.params["fingerprint"] = fingerprint
save_topics(result, ids, snakemake.output)
