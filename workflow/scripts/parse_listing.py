"""Parse one listing file of any supported format (rule parse_listing)."""

from pathlib import Path

from papertopics.formats import read_listing
from papertopics.listings import ListingError, skipped_listing, write_listing_json
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
source = Path(snakemake.input[0])
name = snakemake.wildcards.listing
try:
    listing = read_listing(source, year=snakemake.params.year, name=name)
except Exception as err:  # one odd file must not stop the run (unless strict)
    if isinstance(err, ListingError):
        reason = err.reason
    else:
        log.exception("unexpected error while reading %s", source)
        reason = f"could not be read ({type(err).__name__}: {' '.join(str(err).split())[:200]})"
    # from the config, not params: a readable listing's output does not depend on it, and
    # a listing skipped before stops a strict run at start-up (workflow/rules/common.smk)
    if snakemake.config["input"]["strict"]:
        raise SystemExit(f"papertopics: {source}: {reason} (input.strict is true)") from None
    log.warning("%s: %s; skipped", source, reason)
    listing = skipped_listing(name, reason, file=source.name, file_stat=snakemake.params.file_stat)
for warning in listing.warnings:
    log.warning("%s:%d: %s", warning.file, warning.line, warning.message)
log.info("%s: %d papers, date %s", source, len(listing.papers), listing.date or "unknown")
write_listing_json(listing, snakemake.output[0])
