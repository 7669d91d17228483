"""Every parse warning, and the listings folder's other files (rule parse_warnings)."""

from papertopics.listings import WARNING_COLUMNS, read_rows, write_rows
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
rows = read_rows(snakemake.input[0]) + list(snakemake.params.other_files)
write_rows(rows, snakemake.output[0], WARNING_COLUMNS)
log.info("%d warnings, %d of them other files", len(rows), len(snakemake.params.other_files))
