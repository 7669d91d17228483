"""Cold run on the bundled listings, no-op rerun, rerun after adding one real listing,
rerun after editing a theme setting, and rerun after editing a term setting.

Usage:
    python3 ../shared/tools/make_listings.py /tmp/one_day --days 1 --first 2025-03-18 \\
        --only-ml --max-per-day 100
    .venv/bin/python benchmarks/bench_reruns.py --add /tmp/one_day/arxiv_2025-03-18.txt \\
        --repeat 3 [--with-evaluation] [--out benchmarks/results/reruns.json]

``--base DIR`` runs the cold run on the listings in DIR instead of data/seeds. The fifth run
edits ``themes.scoring.threshold`` (0.5 -> 0.45 or back), as a user tuning a theme does; the
last ``terms.top_n_words`` (10 -> 8 or back), which gives the topics new terms (and records
how many papers changed topic id).

Each repetition starts from an empty scratch folder (cold: no results, no embedding cache).
Prints a Markdown table of medians and writes every measurement as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from common import (
    ROOT,
    make_workdir,
    median,
    parse_overrides,
    rule_benchmarks,
    run_workflow,
    topic_mode,
)


def known_papers_kept(before: Path, after: Path) -> dict[str, int]:
    """Of the papers in both ``papers.csv`` tables: how many kept their themes, their topic."""

    def read(path: Path) -> dict[str, dict[str, str]]:
        with path.open(newline="", encoding="utf-8") as handle:
            return {row["paper_id"]: row for row in csv.DictReader(handle)}

    old, new = read(before), read(after)
    both = old.keys() & new.keys()
    return {
        "known_papers": len(both),
        "same_themes": sum(old[p]["themes"] == new[p]["themes"] for p in both),
        "same_topic": sum(old[p]["topic"] == new[p]["topic"] for p in both),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--add", type=Path, required=True, help="listing file added for the rerun")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument(
        "--with-evaluation",
        action="store_true",
        help="keep the evaluate rule (hand labels) in every run",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config override for every run, e.g. topics.refit_share=0.5",
    )
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="folder of listings for the cold run (default: the bundled data/seeds)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    labels = str(ROOT / "tests" / "data" / "seed_labels.csv") if args.with_evaluation else None
    base = args.base or ROOT / "data" / "seeds"
    seeds = sorted(base.glob("*.txt"))
    if not seeds:
        raise SystemExit(f"{base}: no .txt listings")
    runs = []
    for i in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="papertopics-bench-"))
        make_workdir(folder, seeds, labels=labels, overrides=parse_overrides(args.set))
        cold = run_workflow(folder, args.cores)
        cold_rules = rule_benchmarks(folder)
        noop = run_workflow(folder, args.cores)
        papers_csv = folder / "results" / "tables" / "papers.csv"
        shutil.copy2(papers_csv, folder / "papers_before_add.csv")
        shutil.copy2(args.add, folder / "listings" / args.add.name)
        added = run_workflow(folder, args.cores)
        kept = known_papers_kept(folder / "papers_before_add.csv", papers_csv)
        added_rules = rule_benchmarks(folder)
        mode = topic_mode(folder)
        noop_after = run_workflow(folder, args.cores)
        config = yaml.safe_load((folder / "config.yaml").read_text())
        scoring = config["themes"]["scoring"]
        scoring["threshold"] = 0.45 if scoring["threshold"] != 0.45 else 0.5
        (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        started = time.time()
        edited = run_workflow(folder, args.cores)
        theme_edit_rules = rule_benchmarks(folder, since=started)
        config["terms"]["top_n_words"] = 8 if config["terms"]["top_n_words"] != 8 else 10
        (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        assignments = folder / "results/interim/topics/assignments.csv"
        before = assignments.read_text().splitlines()
        started = time.time()
        terms_edited = run_workflow(folder, args.cores)
        topics = json.loads((folder / "results/interim/topics/topics.json").read_text())
        # paper_id,topic,... rows: the papers whose topic id the edit changed
        moved = sum(
            a.split(",")[:2] != b.split(",")[:2]
            for a, b in zip(before, assignments.read_text().splitlines(), strict=True)
        )
        runs.append(
            {
                "cold_s": cold,
                "noop_s": noop,
                "add_listing_s": added,
                "noop_after_add_s": noop_after,
                "theme_edit_s": edited,
                "topic_mode_after_add": mode,
                "add_kept": kept,
                "cold_rules": cold_rules,
                "add_rules": added_rules,
                "theme_edit_rules": theme_edit_rules,
                "terms_edit_s": terms_edited,
                "terms_edit_rules": rule_benchmarks(folder, since=started),
                "terms_edit_mode": topics["params"]["mode"],
                "terms_edit_papers_moved": moved,
                "terms_edit_topics": int(sum(t["topic"] != -1 for t in topics["topics"])),
            }
        )
        print(
            f"run {i + 1}: cold {cold:.1f} s, no-op {noop:.1f} s, add listing {added:.1f} s "
            f"({mode}; of {kept['known_papers']} known papers {kept['same_themes']} kept their "
            f"themes, {kept['same_topic']} their topic id), no-op {noop_after:.1f} s, "
            f"theme threshold edited {edited:.1f} s, "
            f"top_n_words edited {terms_edited:.1f} s ({runs[-1]['terms_edit_mode']}, "
            f"{moved} papers changed topic id, {runs[-1]['terms_edit_topics']} topics)",
            flush=True,
        )
        shutil.rmtree(folder)

    cold = median([r["cold_s"] for r in runs])
    added = median([r["add_listing_s"] for r in runs])
    print(f"\n| scenario | median wall time (s), {args.repeat} runs |\n|---|---|")
    print(f"| cold run on {base.name} ({len(seeds)} listings) | {cold} |")
    print(f"| no-op rerun | {median([r['noop_s'] for r in runs])} |")
    print(f"| rerun after adding {args.add.name} | {added} ({100 * added / cold:.0f}% of cold) |")
    print(f"| no-op rerun after that | {median([r['noop_after_add_s'] for r in runs])} |")
    print(
        f"| rerun after editing a theme threshold | {median([r['theme_edit_s'] for r in runs])} |"
    )
    print(
        f"| rerun after editing terms.top_n_words | {median([r['terms_edit_s'] for r in runs])} |"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "args": {
                        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                    },
                    "runs": runs,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
