"""Evaluate themes and topics against hand labels (rule evaluate)."""

import numpy as np
import pandas as pd

from papertopics.embed import set_threads
from papertopics.evaluate import evaluation_table, load_labels
from papertopics.logs import setup_logging
from papertopics.topics import load_topic_info

log = setup_logging(snakemake.log[0])
threads = set_threads(snakemake.threads)
config = snakemake.params.config
if not snakemake.input.labels:
    raise SystemExit(
        "papertopics: evaluation.labels is null: set it to a hand-label file to evaluate"
    )
table = evaluation_table(
    pd.read_csv(snakemake.input.papers, keep_default_na=False),
    np.load(snakemake.input.embeddings),
    pd.read_csv(snakemake.input.topics, keep_default_na=False),
    load_labels(snakemake.input.labels, config["themes"]["definitions"]),
    config,
    topic_params=load_topic_info(snakemake.input.info)[1],
    embedding_cache=snakemake.params.embedding_cache,
    evaluation_cache=snakemake.params.evaluation_cache,
    n_jobs=threads,
)
table.to_csv(snakemake.output[0], index=False)
log.info("\n%s", table.to_string())
