"""Fill the embedding cache with one listing's texts (rule embed_listing, embedding.per_listing)."""

from papertopics.embed import set_threads
from papertopics.listings import read_listing_json
from papertopics.logs import setup_logging
from papertopics.prefill import fill_cache, theme_embedders
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
themes, settings = themes_from_config(theme_config)
summary = fill_cache(
    read_listing_json(snakemake.input.listing),
    embedder,
    themes,
    settings.sentences_per_theme,
    snakemake.output[0],
    sense=sense,
)
log.info(
    "%(listing)s: %(papers)d papers, %(texts)d texts, %(encoded)d encoded, the rest cached",
    summary,
)
