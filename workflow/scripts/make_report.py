"""Render the self-contained HTML report (rule html_report)."""

from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.logs import setup_logging
from papertopics.report import render_report, report_context
from papertopics.topics import load_topic_info

log = setup_logging(snakemake.log[0])


def table(path):
    return pd.read_csv(path, keep_default_na=False)


inputs = snakemake.input
topic_info, topic_params = load_topic_info(inputs.topic_params)
centroids = None
if hasattr(inputs, "centroids"):
    # rows of centroids.npy follow the "topics" of topics.json (snakemake.input is a list of
    # paths: test names with hasattr, not `in`)
    rows = np.load(inputs.centroids)
    centroids = dict(zip(topic_info["topic"].astype(int), rows, strict=True))
context = report_context(
    papers=table(inputs.papers),
    topics=table(inputs.topics),
    themes=table(inputs.themes),
    by_listing=table(inputs.by_listing),
    listings=table(inputs.listings),
    warnings=table(inputs.warnings),
    topic_params=topic_params,
    config=snakemake.params.config,
    figures={Path(path).stem: path for path in inputs.figures},
    evaluation=table(inputs.evaluation) if hasattr(inputs, "evaluation") else None,
    changes=table(inputs.changes) if hasattr(inputs, "changes") else None,
    centroids=centroids,
)
template = Path(snakemake.scriptdir).parent / "report" / "report.html.j2"
Path(snakemake.output[0]).write_text(render_report(context, template), "utf-8")
log.info("wrote %s", snakemake.output[0])
