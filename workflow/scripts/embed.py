"""Embed every unique paper (rule embed)."""

import numpy as np

from papertopics.embed import Embedder, EmbeddingSettings, paper_text, set_threads
from papertopics.listings import read_papers
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
params = snakemake.params.embedding
embedder = Embedder(
    EmbeddingSettings.from_config(params),
    cache_dir=snakemake.params.cache_dir,
    batch_size=params["batch_size"],
)
papers = read_papers(snakemake.input.papers)
np.save(
    snakemake.output.embeddings, embedder.embed([paper_text(p.title, p.abstract) for p in papers])
)
log.info("%d papers; %d encoded, the rest from the cache", len(papers), embedder.n_encoded)
