"""Embed every unique paper (rule embed); on a rerun, the new papers' keyword sentences too."""

import numpy as np

from papertopics.embed import set_threads
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.prefill import embed_papers, theme_embedders
from papertopics.themes import themes_from_config

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
# the themes from the config, not params: this job's output does not depend on them (see
# workflow/rules/vectorise.smk); the keyword sentences it encodes only fill the cache
theme_config = snakemake.config["themes"]
# params.embedding is the config's without batch_size (a rerun trigger): see common.smk
embedder, sense = theme_embedders(
    snakemake.config["embedding"], theme_config, snakemake.params.cache_dir
)
papers = read_papers(snakemake.input.papers)
themes, settings = themes_from_config(theme_config)
np.save(
    snakemake.output.embeddings,
    embed_papers(
        embedder, papers, themes, settings.sentences_per_theme, with_sentences=sense is embedder
    ),
)
log.info("%d papers; %d texts encoded, the rest from the cache", len(papers), embedder.n_encoded)
