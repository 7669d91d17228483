# papertopics: listings of machine-learning papers -> a themed map of the literature.
# Run `snakemake --cores 4` from this folder; see README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/parse.smk"
include: "workflow/rules/vectorise.smk"
include: "workflow/rules/topics.smk"
include: "workflow/rules/themes.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/changes.smk"
include: "workflow/rules/evaluate.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
