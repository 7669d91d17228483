"""Distil the fast mode's static model (rule distill_static_model)."""

from papertopics.distill import distill_static_model, listing_texts
from papertopics.embed import resolve_model, set_threads
from papertopics.logs import setup_logging

log = setup_logging(snakemake.log[0])
set_threads(snakemake.threads)
teacher = snakemake.wildcards.teacher
distill_static_model(
    resolve_model(teacher),
    snakemake.output[0],
    pca_dims=snakemake.params.pca_dims,
    sif_coefficient=snakemake.params.sif_coefficient,
    name=teacher,
    reference_texts=listing_texts(snakemake.input.reference),
)
