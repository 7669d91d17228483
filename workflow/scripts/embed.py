"""Embed every unique paper, the theme texts and the theme candidate sentences (rule embed)."""

import numpy as np

from papertopics.embed import Embedder, EmbeddingSettings, paper_text, set_threads
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.themes import candidate_sentences, theme_texts, themes_from_config

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

themes, settings = themes_from_config(snakemake.params.themes)
candidates = candidate_sentences(
    [p.title for p in papers], [p.abstract for p in papers], themes, settings.sentences_per_theme
)
np.savez(
    snakemake.output.themes,
    theme_vectors=embedder.embed(theme_texts(themes)),
    candidate_rows=candidates["row"].to_numpy(),
    candidate_themes=candidates["theme"].to_numpy().astype(str),
    candidate_sentences=candidates["sentence"].to_numpy().astype(str),
    candidate_vectors=embedder.embed(candidates["sentence"].tolist()),
)
log.info(
    "%d papers, %d candidate sentences; %d texts encoded, the rest from the cache",
    len(papers),
    len(candidates),
    embedder.n_encoded,
)
