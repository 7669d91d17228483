"""papertopics against a plain BERTopic script on real arXiv listings of growing size.

Usage:
    .venv/bin/python benchmarks/bench_scale.py --papers 1000 [--repeat 1] [--out FILE]
    .venv/bin/python benchmarks/bench_scale.py --seeds --repeat 5   # the bundled listings
    .venv/bin/python benchmarks/bench_scale.py --listings /tmp/all --no-plain \
        --set embedding.model=...                                    # a folder, a config change
    .venv/bin/python benchmarks/bench_scale.py --listings /tmp/all --no-papertopics  # plain only

Writes daily listings with ../shared/tools/make_listings.py (real papers from
../shared/corpora, not committed), runs the workflow cold (no evaluation) and the plain
script (benchmarks/plain_bertopic.py) in the same session, and prints wall times, per-rule
times, peak RSS and papers/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ROOT,
    SHARED,
    make_workdir,
    median,
    parse_overrides,
    rule_benchmarks,
    run_workflow,
)


def listings_for(n_papers: int, folder: Path) -> list[Path]:
    """Consecutive days of real ML listings holding at least ``n_papers`` papers in all."""
    days = max(1, n_papers // 100)
    while True:
        if folder.exists():
            shutil.rmtree(folder)
        labels = folder.parent / "labels.csv"
        tool = SHARED / "tools" / "make_listings.py"
        command = [sys.executable, str(tool), str(folder), "--days", str(days), "--only-ml"]
        subprocess.run([*command, "--labels-csv", str(labels)], check=True, capture_output=True)
        written = sum(1 for _ in labels.open(encoding="utf-8")) - 1
        if written >= n_papers:
            return sorted(folder.glob("*.txt"))
        days = int(days * n_papers / max(written, 1)) + 1


def plain(listings_dir: Path) -> dict:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "plain_bertopic.py"), str(listings_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--seeds", action="store_true", help="use data/seeds instead")
    parser.add_argument(
        "--listings", type=Path, default=None, help="use every listing in this folder instead"
    )
    parser.add_argument(
        "--no-plain", action="store_true", help="skip the plain BERTopic script (papertopics only)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config override, e.g. embedding.model=...",
    )
    parser.add_argument(
        "--no-papertopics",
        action="store_true",
        help="run only the plain BERTopic script (for a corpus too large to run both twice)",
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="copy the last run's results/ (without the cache) and logs/ here",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="papertopics-scale-"))
    if args.seeds:
        listings = sorted((ROOT / "data" / "seeds").glob("*.txt"))
    elif args.listings:
        listings = sorted(p for p in args.listings.iterdir() if p.is_file())
    else:
        listings = listings_for(args.papers, scratch / "source")
    runs = []
    for i in range(args.repeat):
        folder = make_workdir(scratch / "work", listings, overrides=parse_overrides(args.set))
        theirs = {"wall_s": float("nan"), "embed_s": None}
        if args.no_papertopics:
            theirs = plain(folder / "listings")
            # the largest child process so far, the plain script (kB on Linux)
            theirs["peak_rss_mb"] = round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            )
            print(json.dumps(theirs), flush=True)
            runs.append({"plain_s": theirs["wall_s"], "plain": theirs, "papers": theirs["papers"]})
            continue
        ours = run_workflow(folder, args.cores)
        rules = rule_benchmarks(folder)
        n = sum(1 for _ in (folder / "results" / "tables" / "papers.csv").open()) - 1
        if not args.no_plain:
            theirs = plain(folder / "listings")
        runs.append(
            {
                "papertopics_s": ours,
                "plain_s": theirs["wall_s"],
                "plain": theirs,
                "rules": rules,
                "papers": n,
                "report_mb": round((folder / "results" / "report.html").stat().st_size / 1e6, 1),
                "n_topics": sum(1 for _ in (folder / "results" / "tables" / "topics.csv").open())
                - 1,
            }
        )
        print(
            f"run {i + 1}: {n} papers, papertopics {ours:.1f} s, plain BERTopic "
            f"{theirs['wall_s']:.1f} s (embed {theirs['embed_s']} s)",
            flush=True,
        )
    if args.no_papertopics:
        shutil.rmtree(scratch)
        theirs = median([r["plain_s"] for r in runs])
        print(f"\nplain BERTopic {theirs} s (median of {args.repeat})")
        write(args, runs)
        return
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        results = folder / "results"
        shutil.copytree(results, args.keep, ignore=shutil.ignore_patterns("cache", "history"))
        shutil.copytree(folder / "logs", args.keep / "logs")
    shutil.rmtree(scratch)
    ours = median([r["papertopics_s"] for r in runs])
    theirs = median([r["plain_s"] for r in runs])
    peak = max(v["max_rss_mb"] for r in runs for v in r["rules"].values())
    n = runs[0]["papers"]
    print(
        f"\npapers {n}: papertopics {ours} s ({n / ours:.1f} papers/s, peak RSS {peak:.0f} MB), "
        f"plain BERTopic {theirs} s, ratio {ours / theirs:.2f} (median of {args.repeat})"
    )
    for rule, value in runs[-1]["rules"].items():
        print(f"  {rule}: {value['s']:.1f} s, {value['max_rss_mb']:.0f} MB")
    write(args, runs)


def write(args: argparse.Namespace, runs: list[dict]) -> None:
    """The arguments and every run's measurements, to ``--out`` (when given)."""
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"args": vars(args), "runs": runs}, indent=1, default=str))


if __name__ == "__main__":
    main()
