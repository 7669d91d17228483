"""How far can new papers join the previous topics without a refit? (issue 4, refit_share)

Starts from a fresh fit on the seeds, then adds real daily listings one at a time through
the no-refit path (``place_new_papers``). After each listing it fits the whole corpus
afresh with the run's seed and with another seed, and reports the adjusted Rand index
(ARI) of the no-refit topics against the fresh fit, beside the ARI between the two fresh
fits (how much a refit itself moves with the seed). While the first stays within the
second, placing new papers is as faithful to the data as refitting is.

    python3 ../shared/tools/make_listings.py /tmp/days4 --days 4 --only-ml --max-per-day 100
    cd benchmarks && ../.venv/bin/python bench_refit_share.py /tmp/days4/*.txt \
        --out results/refit_share.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, topic_bench_setup
from sklearn.metrics import adjusted_rand_score

from papertopics.embed import paper_text
from papertopics.history import Snapshot
from papertopics.listings import merge_listings, parse_listing
from papertopics.topics import TopicModel, place_new_papers


def snapshot(ids: list[str], result) -> Snapshot:
    """What the history keeps of a topic result, as the next run reads it."""
    papers = pd.DataFrame(
        {
            "paper_id": ids,
            "topic": result.topics,
            "x": result.coords[:, 0],
            "y": result.coords[:, 1],
        }
    )
    return Snapshot("bench", papers, result.info, result.centroids, pd.DataFrame(), result.params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("listings", type=Path, nargs="+", help="listings added one at a time")
    parser.add_argument("--other-seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    settings, other, embedder = topic_bench_setup(args.other_seed)
    # Always take the no-refit path: the share at which it stops being sound is what is measured.
    placing = dataclasses.replace(settings, refit_share=1.0)

    batches = [sorted((ROOT / "data" / "seeds").glob("*.txt")), *[[p] for p in args.listings]]
    listings: list = []
    previous = None
    rows = []
    for batch in batches:
        listings += [parse_listing(p, year=2025) for p in batch]
        papers = merge_listings(listings)
        ids = [p.paper_id for p in papers]
        docs = [paper_text(p.title, p.abstract) for p in papers]
        vectors = embedder.embed(docs)
        fresh = TopicModel(settings).fit(docs, vectors)
        if previous is None:
            previous = snapshot(ids, fresh)
            print(f"seeds: {len(ids)} papers, {len(fresh.info)} topics", flush=True)
            continue
        placed = place_new_papers(previous, ids, vectors, placing, docs)
        refit_other = TopicModel(other).fit(docs, vectors)
        share = placed.params["n_placed_since_fit"] / len(ids)
        seen = set(previous.papers["paper_id"])
        old = np.array([pid in seen for pid in ids])
        row = {
            "listing": batch[0].name,
            "n_papers": len(ids),
            "placed_share": round(share, 3),
            "n_topics_placed": len(placed.info),
            "n_topics_fresh": len(fresh.info),
            "ari_placed_vs_fresh": round(adjusted_rand_score(fresh.topics, placed.topics), 3),
            "ari_placed_vs_fresh_known_papers": round(
                adjusted_rand_score(fresh.topics[old], placed.topics[old]), 3
            ),
            "ari_placed_vs_fresh_new_papers": round(
                adjusted_rand_score(fresh.topics[~old], placed.topics[~old]), 3
            ),
            "ari_fresh_vs_other_seed": round(
                adjusted_rand_score(fresh.topics, refit_other.topics), 3
            ),
            "ari_placed_vs_other_seed": round(
                adjusted_rand_score(refit_other.topics, placed.topics), 3
            ),
        }
        rows.append(row)
        print(row, flush=True)
        previous = snapshot(ids, placed)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        record = {"listings": [str(p) for p in args.listings], "rows": rows}
        args.out.write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
