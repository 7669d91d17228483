"""Fit the topic model and the 2-D map (rule fit_topics)."""

import numpy as np

from papertopics.embed import paper_text
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.topics import TopicModel, TopicSettings, save_topics

log = setup_logging(snakemake.log[0])
papers = read_papers(snakemake.input.papers)
settings = TopicSettings.from_config(
    {"topics": snakemake.params.topics, "terms": snakemake.params.terms}
)
result = TopicModel(settings).fit(
    [paper_text(p.title, p.abstract) for p in papers], np.load(snakemake.input.embeddings)
)
save_topics(result, [p.paper_id for p in papers], snakemake.output)
