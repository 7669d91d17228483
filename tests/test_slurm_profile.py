"""The SLURM profile (profiles/slurm): what it sets, and the jobs it spreads, by dry run.

No SLURM is needed: a dry run only builds the job graph. benchmarks/slurm_local.py runs the
pipeline through a real one-node SLURM.
"""

import re
import shutil

import pytest
import yaml
from helpers import snakemake

from papertopics.config import load_schema, validate_config


@pytest.fixture
def profile(root):
    return yaml.safe_load((root / "profiles" / "slurm" / "config.yaml").read_text())


def test_the_profile_submits_to_slurm_with_resources(profile):
    assert profile["executor"] == "slurm"
    assert profile["jobs"] >= 1 and profile["latency-wait"] >= 1
    assert {"mem_mb", "runtime"} <= set(profile["default-resources"])


def test_the_profile_turns_on_per_listing_embedding(root, config, profile):
    extra = yaml.safe_load((root / "profiles" / "slurm" / profile["configfile"]).read_text())
    assert extra == {"embedding": {"per_listing": True}}
    schema = load_schema(root / "workflow" / "schemas" / "config.schema.yaml")
    assert validate_config(config, schema)["embedding"]["per_listing"] is False
    config["embedding"].update(extra["embedding"])
    assert validate_config(config, schema)["embedding"]["per_listing"] is True


def test_the_slurm_executor_is_pinned(root):
    lock = (root / "requirements.lock").read_text()
    assert re.search(r"^snakemake-executor-plugin-slurm==", lock, re.MULTILINE)


def dry_run(root, work, *args):
    done = snakemake(work, "--dry-run", "--quiet", "rules", *args, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(re.findall(r"^(\w+)\s+(\d+)$", done.stdout, re.MULTILINE))


@pytest.fixture
def work(root, config, tmp_path):
    """Two small listings and a config without evaluation."""
    (tmp_path / "listings").mkdir()
    for name in ("papers.jsonl", "papers.csv"):
        shutil.copy(root / "tests" / "data" / "formats" / name, tmp_path / "listings" / name)
    config["input"]["listings_dir"] = "listings"
    config["evaluation"]["labels"] = None
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp_path


def test_the_profile_spreads_parsing_and_embedding_one_job_per_listing(root, work):
    jobs = dry_run(root, work, "--profile", str(root / "profiles" / "slurm"))
    assert jobs["parse_listing"] == "2"
    assert jobs["embed_listing"] == "2"
    assert jobs["embed"] == jobs["embed_themes"] == "1"


def test_seconds_long_jobs_stay_on_the_submitting_machine(root, work, monkeypatch):
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ResourceSettings

    monkeypatch.chdir(work)
    with SnakemakeApi() as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(), snakefile=root / "Snakefile", workdir=work
        )._workflow
        local = set(workflow._localrules)  # what the localrules directive declared
    assert {"parse_listing", "merge_papers", "changes"} <= local
    assert not {"embed", "fit_topics", "tables"} & local


def test_one_machine_embeds_in_one_job(root, work):
    jobs = dry_run(root, work, "--cores", "1")
    assert jobs["parse_listing"] == "2"
    assert "embed_listing" not in jobs
    assert jobs["embed"] == "1"
