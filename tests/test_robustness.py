"""Whole-workflow robustness: bad files, strict mode, interrupted runs and determinism.

Each run is the real Snakefile on a small copy of the bundled listings (44 papers in a text
listing and a JSON lines listing, plus an unusable CSV and an empty BibTeX file) in a
temporary folder, with evaluation off.
"""

import json
import os
import re
import signal
import subprocess
import time
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import snakemake as run_snakemake
from helpers import snakemake_command

from papertopics.listings import parse_listing

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "seeds"
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n"
)
TIMEOUT = 600
CSV_REASON = "no 'abstract' column in the header row (columns: title, notes)"


def make_workdir(work: Path, *, strict: bool = False) -> Path:
    """Listings and config for a small run in ``work``."""
    a = parse_listing(SEEDS / "000_4d976adc46f38506.txt", year=2024).papers
    b = parse_listing(SEEDS / "001_e90326b44733c5d8.txt", year=2024).papers
    listings = work / "listings"
    listings.mkdir(parents=True)
    body = "\n\n".join(f"{p.title}\n\n{p.abstract}" for p in a[:24])
    (listings / "day1.txt").write_text(f"{HEADER}Mar 11\n\n{body}\n", encoding="utf-8")
    with (listings / "day2.jsonl").open("w", encoding="utf-8") as out:
        for paper in b[:20] + a[:4]:  # 4 papers already in day1
            record = {"title": paper.title, "abstract": paper.abstract, "date": "2024-03-17"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    (listings / "export.csv").write_text("Title,Notes\nA title,no abstract column\n")
    (listings / "refs.bib").write_text("")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["input"].update(listings_dir="listings", year=2024, strict=strict)
    config["evaluation"]["labels"] = None
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return work


def command(work: Path, *args: str) -> list[str]:
    return snakemake_command(work, "--cores", "2", *args)


def snakemake(work: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(work, "--cores", "2", *args, timeout=TIMEOUT)


def outputs(work: Path) -> dict[str, bytes]:
    """Every CSV table and the merged papers, by path."""
    files = sorted((work / "results" / "tables").glob("*.csv"))
    files += [work / "results/interim/listings.csv", work / "results/interim/papers.jsonl"]
    return {str(path.relative_to(work)): path.read_bytes() for path in files}


def _group_loaded(group: int, library: str) -> bool:
    """Whether a process of the process group ``group`` has mapped a file whose path holds
    ``library`` (a compiled extension it imported), read from ``/proc`` (Linux)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            # after the command name's closing parenthesis: state, ppid, pgrp, ...
            if int((proc / "stat").read_text().rpartition(")")[2].split()[2]) != group:
                continue
            if library in (proc / "maps").read_text():
                return True
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile, or is not ours to read
    return False


def interrupt(
    work: Path,
    started: str,
    unfinished: str,
    sig: int,
    *args: str,
    ready: str = "",
    loaded: str = "",
) -> None:
    """Start snakemake and send ``sig`` to its whole process group once the job is under way.

    Snakemake starts with SIGINT's default action even when the tests run in the background
    of a non-interactive shell (``make test &``), which starts them with SIGINT ignored: an
    ignored signal stays ignored across ``exec``, and Python installs its Ctrl-C handler only
    where SIGINT is not ignored, so nothing would be interrupted.

    Args:
        work: The working folder.
        started: A file the job of interest creates when it starts (its log).
        unfinished: That job's output, which must not exist yet when the signal goes out.
        sig: SIGINT (Ctrl-C) or SIGKILL (a crash: nothing can clean up).
        *args: More snakemake arguments.
        ready: Text that ``started`` must contain before the signal goes out. A Ctrl-C while
            the job imports numpy.random can be lost (the extension's import swallows the
            KeyboardInterrupt) and so can Snakemake's own (its log handler swallows one that
            arrives while it writes), so the job then runs on; waiting for a line written after
            the imports makes the interruption certain.
        loaded: A compiled extension (part of its path) that a process of the run must have
            loaded before the signal goes out: one the job imports where the work of interest
            begins, when its log says nothing until the end. Without ``/proc`` (not Linux) a
            fixed half second stands in for it.
    """
    stderr = work / "interrupted.stderr"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            command(work, *args),
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        log = work / started
        proc = Path("/proc/self/maps").exists()

        def under_way() -> bool:
            if not (log.exists() and ready in log.read_text(encoding="utf-8")):
                return False
            return not (loaded and proc) or _group_loaded(process.pid, loaded)

        while not under_way():
            assert process.poll() is None, f"snakemake ended before {started} was ready"
            assert time.monotonic() < deadline, f"{started} was never ready"
            time.sleep(0.05)
        if loaded and not proc:
            time.sleep(0.5)  # inside the job, most likely: its imports done, the work under way
        assert not (work / unfinished).exists(), f"{unfinished} was done before the signal"
        os.killpg(process.pid, sig)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0, stderr.read_text()[-4000:]
    assert not (work / "results" / "tables" / "papers.csv").exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted cold run: its working folder and outputs."""
    work = make_workdir(tmp_path_factory.mktemp("reference"))
    result = snakemake(work)
    assert result.returncode == 0, result.stderr[-4000:]
    (work / "run.stderr").write_text(result.stderr)
    return work, outputs(work)


def test_unusable_files_are_skipped_and_named_in_the_report(reference):
    work, _ = reference
    # and on the terminal, in one line
    assert (
        "papertopics: 2 problems reading the listings, in 2 files (2 skipped whole): see "
        "results/tables/parse_warnings.csv or the top of the report"
    ) in (work / "run.stderr").read_text()
    listings = pd.read_csv(work / "results/interim/listings.csv", keep_default_na=False)
    assert listings.to_dict("records") == [
        {
            "listing": "day1",
            "listing_date": "2024-03-11",
            "date_source": "config",
            "n_papers": 24,
            "n_duplicates": 0,
            "n_warnings": 0,
            "skipped": "",
        },
        {
            "listing": "day2",
            "listing_date": "2024-03-17",
            "date_source": "file",
            "n_papers": 24,
            "n_duplicates": 4,
            "n_warnings": 0,
            "skipped": "",
        },
        {
            "listing": "export",
            "listing_date": "",
            "date_source": "none",
            "n_papers": 0,
            "n_duplicates": 0,
            "n_warnings": 1,
            "skipped": CSV_REASON,
        },
        {
            "listing": "refs",
            "listing_date": "",
            "date_source": "none",
            "n_papers": 0,
            "n_duplicates": 0,
            "n_warnings": 1,
            "skipped": "the file is empty",
        },
    ]
    warnings = pd.read_csv(work / "results/tables/parse_warnings.csv", keep_default_na=False)
    assert warnings.to_dict("records") == [
        {"file": "export.csv", "line": 0, "message": f"file skipped: {CSV_REASON}"},
        {"file": "refs.bib", "line": 0, "message": "file skipped: the file is empty"},
    ]
    page = unescape((work / "results/report.html").read_text())
    for name, reason in (("refs.bib", "the file is empty"), ("export.csv", CSV_REASON)):
        assert re.search(f">{re.escape(name)}</[^:]*: {re.escape(reason)}", page), name
    papers = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    assert len(papers) == 44
    shared = papers[papers["sources"] == "day1;day2"]
    assert len(shared) == 4 and set(shared["first_listed"]) == {"2024-03-11"}
    assert set(papers[papers["sources"] == "day2"]["first_listed"]) == {"2024-03-17"}


def test_two_cold_runs_give_byte_identical_tables(reference, tmp_path):
    _, expected = reference
    work = make_workdir(tmp_path)
    result = snakemake(work)
    assert result.returncode == 0, result.stderr[-4000:]
    assert outputs(work).keys() == expected.keys()
    for name, content in outputs(work).items():
        assert content == expected[name], f"{name} differs between two cold runs"


def test_interrupted_runs_resume_to_the_same_tables(reference, tmp_path):
    _, expected = reference
    work = make_workdir(tmp_path)
    # Ctrl-C while embedding, then a crash (SIGKILL, the lock left behind) while fitting topics.
    interrupt(
        work,
        "logs/embed.log",
        "results/interim/embeddings.npy",
        signal.SIGINT,
        ready=" threads\n",  # the model is loaded: "model ...: bfloat16, 2 threads"
    )
    interrupt(
        work,
        "logs/fit_topics.log",
        "results/interim/topics/assignments.csv",
        signal.SIGKILL,
        "--rerun-incomplete",
        loaded="/hdbscan/",  # imported as the consensus clustering starts: the fit under way
    )
    assert snakemake(work, "--unlock").returncode == 0
    result = snakemake(work, "--rerun-incomplete")
    assert result.returncode == 0, result.stderr[-4000:]
    for name, content in outputs(work).items():
        assert content == expected[name], f"{name} differs after an interrupted run"
    assert not list((work / "results").rglob(".*.tmp")), "temporary files left behind"


def test_strict_mode_stops_with_one_line_and_keeps_earlier_results(tmp_path):
    work = make_workdir(tmp_path, strict=True)
    for name in ("export.csv", "refs.bib"):
        (work / "listings" / name).unlink()
    target = "results/interim/papers.jsonl"
    first = snakemake(work, target)
    assert first.returncode == 0, first.stderr[-4000:]
    before = (work / target).read_bytes()
    (work / "listings" / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
    result = snakemake(work, target)
    assert result.returncode != 0
    line = "papertopics: listings/scan.txt: the file is binary, not a text listing"
    assert f"{line} (input.strict is true)\n" in result.stderr
    assert (work / target).read_bytes() == before
    assert not list((work / "results").rglob(".*.tmp"))
    # lenient, the file is skipped; strict again, it stops the run before any job, and
    # switching back and forth parses nothing again
    parsed = work / "results/interim/parsed/day1.json"
    stamp = parsed.stat().st_mtime_ns
    config = work / "config.yaml"
    strict_config = config.read_text()
    config.write_text(strict_config.replace("strict: true", "strict: false"))
    lenient = snakemake(work, target)
    config.write_text(strict_config)
    assert lenient.returncode == 0, lenient.stderr[-4000:]
    again = snakemake(work, target)
    assert again.returncode != 0 and f"{line} (input.strict is true)\n" in again.stderr
    assert "Building DAG" not in again.stderr + again.stdout  # stopped before any job
    assert parsed.stat().st_mtime_ns == stamp
    # replaced by a good copy older than the skip (cp -p): parsed again, and the strict run goes
    scan = work / "listings" / "scan.txt"
    scan.write_text((work / "listings" / "day1.txt").read_text().replace("Mar 11", "Mar 12"))
    os.utime(scan, ns=(stamp - 10**9, stamp - 10**9))
    fixed = snakemake(work, target)
    assert fixed.returncode == 0, fixed.stderr[-4000:]
    # a listing whose name Snakemake would read as a wildcard: skipped when lenient (before,
    # no job could start), named before any job when strict
    (work / "listings" / "scan.txt").unlink()
    (work / "listings" / "day {3}.txt").write_text("x")
    braces = snakemake(work, target)
    line = "papertopics: listings/day {3}.txt: braces in its name, which Snakemake reads as a"
    assert braces.returncode != 0 and line in braces.stderr
    assert "Building DAG" not in braces.stderr + braces.stdout
    config.write_text(strict_config.replace("strict: true", "strict: false"))
    lenient = snakemake(work, target)
    assert lenient.returncode == 0, lenient.stderr[-4000:]
