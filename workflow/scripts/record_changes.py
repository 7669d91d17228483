"""Say what changed since the previous run, then store this run as the snapshot (rule changes)."""

from dataclasses import replace

import numpy as np
import pandas as pd

from papertopics.history import (
    Snapshot,
    changes_table,
    load_snapshot,
    save_snapshot,
    settings_fingerprint,
    stored_changes,
)
from papertopics.logs import setup_logging
from papertopics.topics import load_topic_info

log = setup_logging(snakemake.log[0])
params = snakemake.params
papers = pd.read_csv(snakemake.input.papers, keep_default_na=False)
topics = pd.read_csv(snakemake.input.topics, keep_default_na=False)
listings = pd.read_csv(snakemake.input.listings, keep_default_na=False)
info, topic_params = load_topic_info(snakemake.input.info)
labels = {theme["key"]: theme["label"] for theme in params.themes["definitions"]}
fingerprints = (topic_params["fingerprint"], settings_fingerprint(params.themes))

read = listings[listings["skipped"] == ""][["listing", "listing_date"]]
now = Snapshot(
    topic_params["fingerprint"],
    papers,
    info,
    np.load(snakemake.input.centroids),
    read,
    # the topic step's parameters: what it fitted with, and what it placed since
    topic_params,
    fingerprints[1],
    labels,
)
previous = load_snapshot(params.history)
changes = stored_changes(previous, now)  # these results were stored already (--forceall)
if changes is None:
    changes = changes_table(papers, topics, listings, labels, previous, fingerprints, topic_params)
    save_snapshot(replace(now, changes=changes), params.history)
changes.to_csv(snakemake.output[0], index=False)
log.info("changes:\n%s", changes.to_string())
