"""Place a new listing into the known topics, or refit? Measured against arXiv's own categories.

``bench_refit_share.py`` compares the two paths with each other, which says how much they
differ but not which is the better map. Here both are scored against something neither saw:
the arXiv categories of real papers. Each scenario is a small corpus like the seeds (two
days of real listings, ``--base-per-day`` papers each) that gets one more day of up to 100
papers, the case issue 4's target names. For each scenario:

- ``place``: the new papers join the topics fitted on the base (``place_new_papers``, with
  ``refit_share`` lifted so that it always places); known papers keep their topic.
- ``refit``: the whole corpus fitted afresh with the run's seed, as a rerun past
  ``refit_share`` does; ``refit_other_seed``: the same with another seed, for the spread
  of a fit itself.

``--seeds-plus LISTING LABELS_CSV`` adds the bundled seeds plus one listing written by
``make_listings.py --labels-csv``: the seeds (mostly on language models) have no categories,
so only the new papers are scored there.

Scores: the normalised mutual information (NMI) of the topics with each paper's first arXiv
category, over all papers and over the new ones (papers without a category left out); how many
known papers a refit moves (the share in another topic after the best one-to-one matching of
topics), beside how many papers a refit with another seed moves; NPMI coherence and diversity
of the topics' top-10 terms on the corpus. The listings are written by
``../shared/tools/make_listings.py`` (three days of ML papers from each ``--first`` day, with
their categories) under the temporary folder.

    cd benchmarks && ../.venv/bin/python bench_place_or_refit.py --first 2025-04-08 2025-06-10 \
        2025-08-12 2025-10-14 2025-12-09 2026-02-10 2026-04-14 2026-06-09 \
        --out results/place_or_refit.json
    cd benchmarks && ../.venv/bin/python bench_place_or_refit.py --seeds-plus \
        /tmp/day/arxiv_2025-03-18.txt /tmp/day/labels.csv --out results/place_or_refit_seeds.json
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
from bench_refit_share import snapshot
from common import ROOT, make_listings, topic_bench_setup
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import normalized_mutual_info_score

from papertopics.embed import paper_text
from papertopics.evaluate import npmi_coherence, topic_diversity
from papertopics.listings import merge_listings, paper_id, parse_listing
from papertopics.topics import TopicModel, place_new_papers


def write_days(first: str, folder: Path) -> dict[str, str]:
    """Three days of ML listings from ``first`` on; returns paper id -> first category."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = folder / "labels.csv"
    make_listings(
        folder,
        "--days",
        "3",
        "--only-ml",
        "--max-per-day",
        "100",
        "--first",
        first,
        "--labels-csv",
        str(labels),
    )
    return read_categories(labels)


def read_categories(labels: Path) -> dict[str, str]:
    """Paper id (the pipeline's, from the title) -> first arXiv category, from
    make_listings.py's ``--labels-csv``."""
    with labels.open(encoding="utf-8") as handle:
        return {paper_id(r["title"]): r["categories"].split()[0] for r in csv.DictReader(handle)}


def moved_share(before: np.ndarray, after: np.ndarray) -> float:
    """Share of papers not in their topic's best one-to-one match (topic -1 matches only -1)."""
    a_ids, a = np.unique(before, return_inverse=True)
    b_ids, b = np.unique(after, return_inverse=True)
    counts = np.zeros((len(a_ids), len(b_ids)), int)
    np.add.at(counts, (a, b), 1)
    for i, t in enumerate(a_ids):  # the outlier group is not a topic to match
        for j, u in enumerate(b_ids):
            if (t == -1) != (u == -1):
                counts[i, j] = 0
    rows, cols = linear_sum_assignment(-counts)
    return 1 - counts[rows, cols].sum() / len(before)


def topic_words(result) -> list[list[str]]:
    info = result.info[result.info["topic"] != -1]
    return [list(terms)[:10] for terms in info["top_terms"]]


def compare(name, base_listings, added, category, embedder, settings, other) -> dict:
    """Place ``added`` into topics fitted on ``base_listings``, refit both ways; the scores."""
    base = merge_listings(base_listings)
    papers = merge_listings([*base_listings, *added])
    ids = [p.paper_id for p in papers]
    docs = [paper_text(p.title, p.abstract) for p in papers]
    vectors = embedder.embed(docs)
    known = np.array([i < len(base) for i in range(len(papers))])
    assert [p.paper_id for p in base] == ids[: len(base)]
    truth = np.array([category.get(p.paper_id, "") for p in papers])
    scored = truth != ""  # papers with an arXiv category (the seeds have none)

    fitted = TopicModel(settings).fit(docs[: len(base)], vectors[known])
    placing = dataclasses.replace(settings, refit_share=1.0)  # always place, whatever the share
    placed = place_new_papers(snapshot(ids[: len(base)], fitted), ids, vectors, placing, docs)
    refit = TopicModel(settings).fit(docs, vectors)
    refit_other = TopicModel(other).fit(docs, vectors)
    row = {
        "scenario": name,
        "n_known": int(known.sum()),
        "n_new": int((~known).sum()),
        "known_with_category": int((known & scored).sum()),
        "new_with_category": int((~known & scored).sum()),
        "n_categories": len(set(truth[scored])),
        "new_in_new_topics": int((placed.topic_by[~known] == "cluster").sum()),
        "known_moved_by_refit": round(moved_share(fitted.topics, refit.topics[known]), 3),
        "all_moved_by_other_seed": round(moved_share(refit.topics, refit_other.topics), 3),
    }
    for key, result in {"place": placed, "refit": refit, "refit_other_seed": refit_other}.items():
        row[f"{key}_topics"] = int((result.info["topic"] != -1).sum())
        for part, mask in (("all", scored), ("new", scored & ~known)):
            if mask.any():
                nmi = normalized_mutual_info_score(truth[mask], result.topics[mask])
                row[f"{key}_nmi_{part}"] = round(nmi, 3)
        words = topic_words(result)
        row[f"{key}_npmi"] = round(npmi_coherence(words, docs), 3)
        row[f"{key}_diversity"] = round(topic_diversity(words), 3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--first", nargs="*", default=[], help="first day of each scenario")
    parser.add_argument(
        "--seeds-plus",
        nargs=2,
        metavar=("LISTING", "LABELS_CSV"),
        help="also the bundled seeds plus this listing (categories from make_listings.py's CSV)",
    )
    parser.add_argument("--base-per-day", type=int, default=83)
    parser.add_argument("--other-seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    settings, other, embedder = topic_bench_setup(args.other_seed)
    scenarios = []
    for first in args.first:
        folder = Path(tempfile.gettempdir()) / "papertopics-place-or-refit" / first
        category = write_days(first, folder)
        days = [parse_listing(p, year=int(first[:4])) for p in sorted(folder.glob("*.txt"))]
        for day in days[:2]:
            day.papers[:] = day.papers[: args.base_per_day]
        scenarios.append((first, days[:2], days[2:], category))
    if args.seeds_plus:
        listing, labels = args.seeds_plus
        seeds = sorted((ROOT / "data" / "seeds").glob("*.txt"))
        scenarios.append(
            (
                f"seeds + {Path(listing).name}",
                [parse_listing(p, year=2025) for p in seeds],
                [parse_listing(listing)],
                read_categories(Path(labels)),
            )
        )
    rows = []
    for name, base_listings, added, category in scenarios:
        row = compare(name, base_listings, added, category, embedder, settings, other)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"rows": rows}, indent=1))


if __name__ == "__main__":
    main()
