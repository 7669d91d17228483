"""How stable are the consensus topics across seeds, and what does each setting cost? (issue 3)

Fits the topic model on the bundled listings (``data/seeds``; ``--listings`` for others) with
seeds 1..N for each combination of consensus runs (``topics.ensemble``) and layout epochs per
run (``topics.consensus_epochs``; ``topics.umap.n_epochs`` for a single run), and reports the
adjusted Rand index (ARI) between every pair of seeds (mean and minimum), the ARI over seeds 1,
2 and 3 alone (what ``evaluation.csv`` reports), the topics found and the seconds per fit. The
nearest-neighbour graph shared by the runs can be switched off (``--no-shared-knn``) to compare
with UMAP's own per-run graph.

    cd benchmarks && ../.venv/bin/python bench_stability.py --runs 40 80 160 \
        --epochs 200 --out results/stability.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from common import ROOT
from sklearn.metrics import adjusted_rand_score

import papertopics.topics as topics_module
from papertopics.embed import Embedder, paper_text, set_threads
from papertopics.listings import merge_listings, parse_listing
from papertopics.topics import TopicModel, TopicSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[40, 80])
    parser.add_argument("--epochs", type=int, nargs="+", default=[100], help="0 = UMAP's default")
    parser.add_argument("--seeds", type=int, default=7, help="seeds 1..N")
    parser.add_argument("--no-shared-knn", action="store_true")
    parser.add_argument(
        "--precision", choices=["auto", "float32", "bfloat16"], help="embedding.precision"
    )
    parser.add_argument(
        "--listings", type=Path, default=ROOT / "data" / "seeds", help="folder of listing files"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    set_threads(2)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    emb = config["embedding"]
    if args.precision:
        emb["precision"] = args.precision
    embedder = Embedder.from_config(
        emb, cache_dir=Path(tempfile.gettempdir()) / "papertopics-bench-cache"
    )
    papers = merge_listings(
        parse_listing(p, year=2025) for p in sorted(args.listings.glob("*.txt"))
    )
    docs = [paper_text(p.title, p.abstract) for p in papers]
    vectors = embedder.embed(docs)
    if args.no_shared_knn:
        # UMAP then builds its own neighbour graph in every run, as before the shared graph
        topics_module.exact_knn = lambda *_: (None, None, None)

    rows = []
    for runs, epochs in itertools.product(args.runs, args.epochs):
        found, seconds = {}, []
        for seed in range(1, args.seeds + 1):
            settings = dataclasses.replace(
                TopicSettings.from_config(config, seed=seed),
                ensemble=runs,
                consensus_epochs=epochs or None,
                n_epochs=epochs or None,  # if runs == 1
            )
            start = time.perf_counter()
            found[seed] = TopicModel(settings).fit(docs, vectors, with_map=False).topics
            seconds.append(time.perf_counter() - start)
        pairs = [
            adjusted_rand_score(found[a], found[b]) for a, b in itertools.combinations(found, 2)
        ]
        first = [
            adjusted_rand_score(found[a], found[b]) for a, b in itertools.combinations((1, 2, 3), 2)
        ]
        row = {
            "runs": runs,
            "n_epochs": epochs or None,
            "shared_knn": not args.no_shared_knn,
            "papers": len(docs),
            "pairs": len(pairs),
            "ari_mean": round(float(np.mean(pairs)), 3),
            "ari_min": round(float(np.min(pairs)), 3),
            "ari_seeds_1_2_3": round(float(np.mean(first)), 3),
            "topics": [len(set(t.tolist()) - {-1}) for t in found.values()],
            "seconds_per_fit": round(float(np.median(seconds)), 2),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "args": vars(args) | {"out": str(args.out), "listings": str(args.listings)},
                    "rows": rows,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
