"""The theme keyword search (sense-check candidates and hit counts) on real arXiv abstracts.

Usage:
    .venv/bin/python benchmarks/bench_keyword_search.py --papers 8000 [--repeat 3] [--out FILE]

Reads the first ``--papers`` papers of ../shared/corpora/arxiv_daily_2025_2026.jsonl.gz (not
committed) and times, with the themes of config.yaml, :func:`papertopics.themes.keyword_hits`
(the search over every paper: rule embed_themes runs it once and saves the hits for
assign_themes) and :func:`papertopics.themes.candidate_sentences` given those hits (choosing
the sentences to embed). Prints the median seconds, papers/s and how many paper-theme pairs hit a
keyword.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import time
from pathlib import Path

import yaml
from common import ROOT, SHARED, median

from papertopics.themes import candidate_sentences, keyword_hits, themes_from_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    corpus = SHARED / "corpora" / "arxiv_daily_2025_2026.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in itertools.islice(lines, args.papers)]
    titles = [row["title"] for row in rows]
    abstracts = [row["abstract"] for row in rows]
    themes, settings = themes_from_config(yaml.safe_load((ROOT / "config.yaml").read_text()))
    seconds, choosing = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        hits = keyword_hits(titles, abstracts, themes)
        seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        candidates = candidate_sentences(
            titles, abstracts, themes, settings.sentences_per_theme, hits
        )
        choosing.append(time.perf_counter() - start)
    result = {
        "papers": len(rows),
        "seconds": [round(s, 2) for s in seconds],
        "median_s": round(median(seconds), 2),
        "papers_per_s": round(len(rows) / median(seconds)),
        "candidates_median_s": round(median(choosing), 2),
        "hit_sentences": len(hits),
        "pairs_with_hits": int(candidates.groupby(["row", "theme"]).ngroups),
        "candidate_sentences": len(candidates),
    }
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps({"args": vars(args), **result}, indent=1, default=str))


if __name__ == "__main__":
    main()
