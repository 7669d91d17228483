"""Draw the figures (rule figures)."""

from pathlib import Path

import pandas as pd

from papertopics import figures
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
papers = pd.read_csv(snakemake.input.papers, keep_default_na=False)
themes = pd.read_csv(snakemake.input.themes, keep_default_na=False)
by_listing = pd.read_csv(snakemake.input.by_listing, keep_default_na=False)
over_time = pd.read_csv(snakemake.input.over_time, keep_default_na=False)
colours = figures.theme_colours(themes["theme"].tolist())
out = Path(snakemake.output.paper_map_png).parent
drawn = {
    "theme_sizes": figures.plot_theme_sizes(themes, len(papers), colours),
    "paper_map": figures.plot_paper_map(papers, themes, colours),
    "theme_terms": figures.plot_theme_terms(papers, themes, colours),
    "themes_by_listing": figures.plot_themes_by_listing(by_listing, themes, colours),
    "themes_over_time": figures.plot_themes_over_time(over_time, themes, colours),
}
for name, figure in drawn.items():
    for path in figures.save(figure, out / name):
        log.info("wrote %s", path)
