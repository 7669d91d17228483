"""Parse one listing file (rule parse_listing)."""

from papertopics.listings import ListingError, parse_listing, skipped_listing, write_listing_json
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
source = snakemake.input[0]
try:
    listing = parse_listing(source, year=snakemake.params.year)
except (ListingError, OSError) as err:
    if snakemake.params.strict:
        raise SystemExit(f"papertopics: {err}") from None
    log.warning("%s", err)
    listing = skipped_listing(snakemake.wildcards.listing, str(err))
for warning in listing.warnings:
    log.warning("%s:%d: %s", source, warning.line, warning.message)
log.info("%s: %d papers, date %s", source, len(listing.papers), listing.date or "unknown")
write_listing_json(listing, snakemake.output[0])
