"""Centre the distilled static model on the bundled listings (rule distill_static_model)."""

from papertopics.distill import centre_static_model, reference_texts_of
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
centre_static_model(
    snakemake.input.distilled, snakemake.output[0], reference_texts_of(snakemake.input.reference)
)
