# Configuration checks and the workflow's only helper functions.
import re
import sys
import threading
from pathlib import Path

from papertopics.config import (
    ConfigError,
    listing_files,
    listing_fingerprint,
    listing_names,
    load_schema,
    other_files,
    validate_config,
)
from papertopics.embed import model_problem, resolve_model
from papertopics.history import snapshot_problem
from papertopics.labels import LabelError, read_labels
from papertopics.listings import FILE_SKIPPED, skipped_state, warnings_summary
from snakemake.logging import logger


# A config error stops the run before any job with one line naming the file and key.
try:
    validated = validate_config(
        config,
        load_schema(Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"),
        source=" + ".join(str(path) for path in workflow.configfiles) or "config",
        overrides=workflow.config_settings.config,
    )
except ConfigError as err:
    raise SystemExit(f"papertopics: {err}") from None
# in place: scripts see the validated config, with its defaults, as `snakemake.config`
config.clear()
config.update(validated)

# Jobs of a few seconds run on the submitting machine, not as cluster jobs of their own
# (profiles/slurm): queueing one would take longer than the job.
localrules:
    all,
    parse_listing,
    merge_papers,
    parse_warnings,
    changes,


#: Listing name -> file: the file's stem, or its whole name when two files share a stem.
LISTINGS = listing_names(listing_files(config["input"]["listings_dir"]))
#: The folder's other files, reported (as parse warnings) rather than silently passed over.
OTHER_FILES = other_files(config["input"]["listings_dir"])
# input.strict is no param of the parse jobs (turning it on or off would parse every listing
# again and rerun everything after). A strict run stops here, before any job, with the line a
# parse job would write: at a listing that cannot be read at all (no permission, braces in its
# name), and at one that an earlier, lenient run skipped and that has the same size and
# modification time since (else its parse job runs again and decides).
if config["input"]["strict"]:
    folder = Path(config["input"]["listings_dir"])
    unread = [
        (folder / row["file"], row["message"].removeprefix(FILE_SKIPPED))
        for row in OTHER_FILES
        if row["message"].startswith(FILE_SKIPPED)
    ]
    for name, path in sorted(LISTINGS.items()):
        reason, file_stat = skipped_state(Path("results/interim/parsed") / f"{name}.json")
        if reason and file_stat == listing_fingerprint(path):
            unread.append((path, reason))
    if unread:
        path, reason = unread[0]
        raise SystemExit(f"papertopics: {path}: {reason} (input.strict is true)")
#: One embedding job per listing before the embed job (a cluster; see profiles/slurm). It is
#: taken out of the config: it changes how the work is spread, not a science parameter, so no
#: rule's params (the whole config, for the report) change with it.
PER_LISTING_EMBEDDING = config["embedding"].pop("per_listing")
#: The embedding settings that the vectors depend on, as the params of the jobs that use them:
#: without batch_size, a speed setting (the scripts read it from the config), so that changing
#: it reruns no job.
EMBEDDING = {key: value for key, value in config["embedding"].items() if key != "batch_size"}
THEMES = [theme["key"] for theme in config["themes"]["definitions"]]
# A model that cannot be loaded stops the run before any job (resources/models/ is made by
# the distill_static_model job). Checked once, by the main process, since a cluster job
# parses this file again and its node may not reach the model hub.
MODELS = {  # model -> its key in the config (the same model is checked once)
    model: key
    for key, model in (
        ("themes.sense_model", config["themes"]["sense_model"]),
        ("embedding.model", config["embedding"]["model"]),
    )
    if model and not model.startswith("resources/models/")
}
for model, key in MODELS.items() if workflow.is_main_process else ():
    if problem := model_problem(model):
        raise SystemExit(f"papertopics: {key}: {problem}")
EVALUATE = bool(config["evaluation"]["labels"])
# A bad hand-label file stops the run before any job too (it is read again by rule evaluate).
if EVALUATE:
    try:
        read_labels(config["evaluation"]["labels"], config["themes"]["definitions"])
    except LabelError as err:
        raise SystemExit(
            f"papertopics: {err} "
            "(evaluation.labels: mend the file, or null to turn the evaluation off)"
        ) from None
#: The previous run's snapshot (state kept between runs, like the embedding cache).
HISTORY = "results/history"
# A damaged snapshot stops the run before any job: read as no snapshot, it would number the
# topics anew and report every paper as new. Checked by the main process only: a cluster job
# parses this file again, maybe while the changes job writes the snapshot.
if workflow.is_main_process and (problem := snapshot_problem(HISTORY)):
    raise SystemExit(
        f"papertopics: {problem}; delete {HISTORY}/ to start afresh "
        "(the topics are numbered anew and every paper counts as new)"
    )
#: The software of every rule (`snakemake --use-conda`); paths are relative to workflow/rules/.
CONDA_ENV = "../../environment.yml"
FIGURES = ["theme_sizes", "paper_map", "theme_terms", "themes_by_listing", "themes_over_time"]


def listing_path(wildcards):
    """The listing file of a parse job."""
    return LISTINGS[wildcards.listing]


def listing_stat(wildcards):
    """A parse job's listing, by size and modification time: a replaced one is parsed again."""
    return listing_fingerprint(LISTINGS[wildcards.listing])


def parsed_listings(wildcards=None):
    """Every parsed listing."""
    return expand("results/interim/parsed/{listing}.json", listing=sorted(LISTINGS))


def embedded_listings(wildcards=None):
    """The per-listing embedding jobs' summaries, when embedding.per_listing is on."""
    if not PER_LISTING_EMBEDDING:
        return []
    return expand("results/interim/embedded/{listing}.json", listing=sorted(LISTINGS))


def static_model_input(wildcards=None):
    """The model folders that rule distill_static_model makes, of the papers and the sense check."""
    models = {config["embedding"]["model"], config["themes"]["sense_model"] or ""}
    return sorted(model for model in models if model.startswith("resources/models/"))


def final_outputs():
    """The targets of the default run: tables, figures, report, and the evaluation with labels."""
    outputs = [
        "results/tables/papers.csv",
        "results/tables/topics.csv",
        "results/tables/themes.csv",
        "results/tables/themes_by_listing.csv",
        "results/tables/themes_over_time.csv",
        "results/tables/changes.csv",
        # read by the end-of-run summary too, so rebuilt when deleted
        "results/tables/parse_warnings.csv",
        *expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["png", "svg"]),
        "results/report.html",
    ]
    if EVALUATE:
        outputs.append("results/tables/evaluation.csv")
    return outputs


def report_inputs(wildcards):
    """Inputs of the HTML report: tables and figures, plus the evaluation when labels are set."""
    inputs = {
        "papers": "results/tables/papers.csv",
        "topics": "results/tables/topics.csv",
        "themes": "results/tables/themes.csv",
        "by_listing": "results/tables/themes_by_listing.csv",
        "listings": "results/interim/listings.csv",
        "warnings": "results/tables/parse_warnings.csv",
        "changes": "results/tables/changes.csv",
        "topic_params": "results/interim/topics/topics.json",
        "figures": expand("results/figures/{figure}.svg", figure=FIGURES),
    }
    if EVALUATE:
        inputs["evaluation"] = "results/tables/evaluation.csv"
    return inputs


def remove_stale_evaluation():
    """Without hand labels, an evaluation table left by an earlier run describes other results."""
    stale = Path("results/tables/evaluation.csv")
    if not EVALUATE and stale.exists():
        stale.unlink()
        logger.info(f"{stale} removed: evaluation.labels is not set, so it described an earlier run")


def remove_stale_listing_files():
    """Per-listing outputs and logs of listings no longer in the folder (the papers they held
    are gone from the results already; the files only clutter)."""
    for producer in map(workflow.get_rule, ("parse_listing", "embed_listing")):
        for pattern in (*producer.output, *producer.log):
            # the pattern carries the wildcard's constraint: "parsed/{listing,[^/]+}.json"
            pattern = Path(re.sub(r"\{listing[^}]*\}", "{listing}", str(pattern)))
            folder, (prefix, suffix) = pattern.parent, pattern.name.split("{listing}")
            for path in folder.glob(f"{prefix}*{suffix}"):
                if path.name[len(prefix) : len(path.name) - len(suffix)] not in LISTINGS:
                    path.unlink()


def cancel_scheduler_timers():
    """Cancel Snakemake's pending job-rate-limiter timers (see ``onsuccess`` below)."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


# After each round of job selection Snakemake 9 starts a one-second threading.Timer that wakes
# its scheduler (the job rate limiter, --max-jobs-per-timespan 100/1s); the last one kept the
# finished run alive for up to a second. Nothing is left to schedule after a successful run.
onsuccess:
    remove_stale_evaluation()
    remove_stale_listing_files()
    # problems with the listings are in a table and the report; say so where the user looks
    problems = warnings_summary("results/tables/parse_warnings.csv")
    if problems:
        logger.warning(f"papertopics: {problems}")
    cancel_scheduler_timers()
