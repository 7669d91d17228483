"""Fit topics and the 2-D map, or place new papers into the previous topics (rule fit_topics)."""

import numpy as np

from papertopics.embed import paper_text
from papertopics.history import (
    cluster_fingerprint,
    load_snapshot,
    topic_fingerprint,
    topics_of_run,
)
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.topics import TopicSettings, save_topics

log = setup_logging(snakemake.log[0])
params = snakemake.params
papers = read_papers(snakemake.input.papers)
ids = [p.paper_id for p in papers]
result = topics_of_run(
    ids,
    [paper_text(p.title, p.abstract) for p in papers],
    np.load(snakemake.input.embeddings),
    TopicSettings.from_config({"topics": params.topics, "terms": params.terms}),
    topic_fingerprint(params.embedding, params.topics, params.terms),
    load_snapshot(params.history),
    cluster_fingerprint(params.embedding, params.topics),
)
save_topics(result, ids, snakemake.output)
