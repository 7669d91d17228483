"""Shared helpers of the benchmark scripts: run the real workflow in a scratch folder, time it."""

from __future__ import annotations

import csv
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def make_listings(out: Path, *args: str) -> None:
    """Real arXiv papers written out as listing files by ``../shared/tools/make_listings.py``."""
    tool = SHARED / "tools" / "make_listings.py"
    subprocess.run([sys.executable, str(tool), str(out), *args], check=True)


def topic_bench_setup(other_seed: int):
    """The bundled config's topic settings, the same with ``other_seed``, and its embedder with
    a cache that outlives the benchmark (for the benchmarks that fit topics themselves)."""
    import tempfile

    from papertopics.embed import Embedder, set_threads
    from papertopics.topics import TopicSettings

    set_threads(2)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    cache = Path(tempfile.gettempdir()) / "papertopics-bench-cache"
    return (
        TopicSettings.from_config(config),
        TopicSettings.from_config(config, seed=other_seed),
        Embedder.from_config(config["embedding"], cache_dir=cache),
    )


def make_workdir(
    folder: Path,
    listings: list[Path],
    *,
    labels: str | None = None,
    overrides: dict[str, object] | None = None,
) -> Path:
    """A scratch folder holding copies of ``listings`` and a config that reads them.

    ``overrides`` maps dotted config keys (``topics.refit_share``) to the values they take.
    """
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "listings").mkdir(parents=True)
    for path in listings:
        shutil.copy2(path, folder / "listings" / path.name)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["input"]["listings_dir"] = "listings"
    config["evaluation"]["labels"] = labels
    apply_overrides(config, overrides or {})
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def apply_overrides(config: dict, overrides: dict[str, object]) -> dict:
    """Set dotted config keys (``themes.scoring.threshold``) in ``config``, in place."""
    for key, value in overrides.items():
        *parents, last = key.split(".")
        node = config
        for part in parents:
            node = node[part]
        if last not in node:
            raise KeyError(f"no config key {key!r}")
        node[last] = value
    return config


def parse_overrides(pairs: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs from the command line; values are read as YAML (``0.5``, ``null``)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set {pair!r}: expected KEY=VALUE")
        out[key] = yaml.safe_load(value)
    return out


def snakemake_command(folder: Path, *args: str) -> list[str]:
    """``python -m snakemake`` on the repository's Snakefile, run in ``folder``, with ``args``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(folder),
        *args,
    ]


def run_workflow(folder: Path, cores: int = 4, *targets: str) -> float:
    """Run ``snakemake --cores N`` on the repository's Snakefile in ``folder``; wall seconds."""
    start = time.perf_counter()
    subprocess.run(
        snakemake_command(folder, *targets, "--cores", str(cores), "--quiet", "all"),
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def rule_benchmarks(folder: Path, since: float | None = None) -> dict[str, dict[str, float]]:
    """Seconds and peak RSS (MB) of each rule with a ``benchmark:`` file.

    ``since``: only the files written after this time (``time.time()``), the rules that ran.
    """
    out = {}
    for path in sorted((folder / "results" / "benchmarks").glob("*.tsv")):
        if since is not None and path.stat().st_mtime < since:
            continue
        with path.open() as f:
            row = next(csv.DictReader(f, delimiter="\t"))
        out[path.stem] = {"s": float(row["s"]), "max_rss_mb": float(row["max_rss"])}
    return out


def topic_mode(folder: Path) -> str:
    """Whether the last topic step refitted (``fit``) or placed new papers (``incremental``)."""
    info = json.loads((folder / "results" / "interim" / "topics" / "topics.json").read_text())
    return info["params"].get("mode", "fit")


def median(values: list[float]) -> float:
    """The median, rounded to 0.1 s."""
    return round(statistics.median(values), 1)
