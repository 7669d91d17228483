"""Score every paper against every theme (rule assign_themes)."""

import numpy as np
import pandas as pd

from papertopics.listings import read_papers
from papertopics.logs import setup_logging
from papertopics.tables import theme_table_from_result
from papertopics.themes import load_theme_vectors, score_themes, themes_from_config

log = setup_logging(snakemake.log[0])
themes, settings = themes_from_config(snakemake.params.themes)
papers = read_papers(snakemake.input.papers)
assignments = pd.read_csv(snakemake.input.assignments).set_index("paper_id")
topics = assignments.loc[[p.paper_id for p in papers], "topic"].to_numpy()
result = score_themes(
    titles=[p.title for p in papers],
    abstracts=[p.abstract for p in papers],
    paper_vectors=np.load(snakemake.input.embeddings),
    **load_theme_vectors(snakemake.input.theme_vectors),
    topics=topics,
    themes=themes,
    settings=settings,
)
table = theme_table_from_result([p.paper_id for p in papers], result, [t.key for t in themes])
table.to_csv(snakemake.output[0], index=False)
log.info("theme sizes: %s", {t.key: int(table[f"in_{t.key}"].sum()) for t in themes})
