"""Say what changed since the previous run, then store this run as the snapshot (rule changes)."""

import numpy as np
import pandas as pd

from papertopics.history import (
    Snapshot,
    changes_table,
    load_snapshot,
    run_key,
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
previous = load_snapshot(params.history)
# the same inputs as when the stored snapshot was written (--forceall): what changed stands,
# even after an update of this code (compared again, these results would say "nothing
# changed": the snapshot before them is not kept)
key = run_key(list(snakemake.input), params.themes)
changes = stored_changes(previous, key)
if changes is None:
    changes = changes_table(papers, topics, listings, labels, previous, fingerprints, topic_params)
    snapshot = Snapshot(
        topic_params["fingerprint"],
        papers,
        info,
        np.load(snakemake.input.centroids),
        read,
        # the topic step's parameters: what it fitted with, and what it placed since
        topic_params,
        fingerprints[1],
        labels,
        changes,
        key,
    )
    save_snapshot(snapshot, params.history)
changes.to_csv(snakemake.output[0], index=False)
log.info("changes:\n%s", changes.to_string())
