"""Merge parsed listings into unique papers (rule merge_papers); outputs are written atomically."""

from papertopics.listings import (
    LISTING_COLUMNS,
    WARNING_COLUMNS,
    listing_table,
    merge_listings,
    read_listing_json,
    warning_table,
    write_papers,
    write_rows,
)
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
listings = [read_listing_json(path) for path in snakemake.input]
read_before = [len(item.warnings) for item in listings]
papers = merge_listings(listings)
for item, n in zip(listings, read_before, strict=True):
    for warning in item.warnings[n:]:  # found while merging (another abstract, same paper)
        log.warning("%s: %s", warning.file, warning.message)
if not papers:
    skipped = "; ".join(f"{item.name}: {item.skipped}" for item in listings if item.skipped)
    raise SystemExit(
        "papertopics: no paper could be read from any listing"
        + (f" (skipped: {skipped})" if skipped else "; see logs/parse/")
    )
write_papers(papers, snakemake.output.papers)
write_rows(listing_table(listings, papers), snakemake.output.listings, LISTING_COLUMNS)
write_rows(warning_table(listings), snakemake.output.warnings, WARNING_COLUMNS)
log.info(
    "%d listings, %d entries, %d unique papers",
    len(listings),
    sum(len(item.papers) for item in listings),
    len(papers),
)
