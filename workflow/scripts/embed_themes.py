"""Find the papers' keyword hits; embed the theme texts and hit sentences (rule embed_themes)."""

from papertopics.embed import set_threads
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.prefill import encoded, theme_embedders, theme_inputs
from papertopics.themes import save_theme_vectors, themes_from_config

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
# params.embedding is the config's without batch_size (a rerun trigger): see common.smk
embedder, sense = theme_embedders(
    snakemake.config["embedding"], snakemake.params.themes, snakemake.params.cache_dir
)
papers = read_papers(snakemake.input.papers)
themes, settings = themes_from_config(snakemake.params.themes)
inputs = theme_inputs(embedder, sense, papers, themes, settings)
save_theme_vectors(snakemake.output[0], **inputs)
log.info(
    "%d papers, %d candidate sentences (%s); %d texts encoded, the rest from the cache",
    len(papers),
    len(inputs["candidates"]),
    "the papers' model" if sense is embedder else f"model {sense.settings.model}",
    encoded(embedder, sense),
)
