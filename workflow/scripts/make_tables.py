"""Write the output tables (rule tables)."""

import pandas as pd

from papertopics.embed import paper_text
from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.tables import (
    papers_table,
    theme_membership,
    theme_terms,
    themes_by_listing_table,
    themes_over_time_table,
    themes_table,
    topics_table,
)
from papertopics.topics import TopicSettings, load_topic_info

log = setup_logging(snakemake.log[0])
definitions = snakemake.params.themes
keys = [theme["key"] for theme in definitions]
papers = read_papers(snakemake.input.papers)
topic_info, _ = load_topic_info(snakemake.input.info)
themes = pd.read_csv(snakemake.input.themes, keep_default_na=False)
assignments = pd.read_csv(snakemake.input.assignments)
listings = pd.read_csv(snakemake.input.listings, keep_default_na=False)

table = papers_table(papers, themes, assignments, topic_info, keys)
table.to_csv(snakemake.output.papers, index=False)
topics_table(table, topic_info, keys).to_csv(snakemake.output.topics, index=False)
membership = theme_membership(table["themes"], keys)
terms = theme_terms(
    [paper_text(p.title, p.abstract) for p in papers],
    membership,
    TopicSettings.from_config({"topics": snakemake.params.topics, "terms": snakemake.params.terms}),
)
themes_table(table, definitions, terms).to_csv(snakemake.output.themes, index=False)
read = listings[listings["skipped"] == ""]
themes_by_listing_table(table, read, keys).to_csv(snakemake.output.by_listing, index=False)
themes_over_time_table(table, read, keys).to_csv(snakemake.output.over_time, index=False)
log.info("%d papers, %d topics", len(table), len(topic_info))
