"""Find the papers' keyword hits; embed the theme texts and hit sentences (rule embed_themes)."""

from papertopics.embed import Embedder, set_threads
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.themes import (
    candidate_sentences,
    keyword_hits,
    save_theme_vectors,
    theme_texts,
    themes_from_config,
)

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
embedder = Embedder.from_config(snakemake.params.embedding, cache_dir=snakemake.params.cache_dir)
papers = read_papers(snakemake.input.papers)
themes, settings = themes_from_config(snakemake.params.themes)
titles, abstracts = [p.title for p in papers], [p.abstract for p in papers]
hits = keyword_hits(titles, abstracts, themes)  # saved: assign_themes scores with them
candidates = candidate_sentences(titles, abstracts, themes, settings.sentences_per_theme, hits)
save_theme_vectors(
    snakemake.output[0],
    theme_vectors=embedder.embed(theme_texts(themes)),
    candidates=candidates,
    candidate_vectors=embedder.embed(candidates["sentence"].tolist()),
    hits=hits,
)
log.info(
    "%d papers, %d candidate sentences; %d texts encoded, the rest from the cache",
    len(papers),
    len(candidates),
    embedder.n_encoded,
)
