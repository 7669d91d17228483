"""How far the theme scorer's shared weights generalise: cross-validated macro-F1 on the labels.

Usage (after a run with evaluation, e.g. ``make run``, whose results/interim it reads):
    .venv/bin/python benchmarks/bench_theme_cv.py [--folds 5] [--repeat 5] [--out FILE]

The four weights of ``themes.scoring`` (bias, semantic, sense, term) are one logistic model
fitted on every theme of the seed labels at once (papertopics.themes). Scored on the same labels,
the config's weights are an in-sample figure. Here the labelled papers are split into folds;
for each fold the weights are refitted (scikit-learn's LogisticRegression on the scorer's own
components) on the other folds, and the fold's papers are scored with them by
:func:`papertopics.themes.score_themes` (topic smoothing and threshold as configured). The
macro-F1 of these out-of-fold themes estimates what the weights give on papers they were not
fitted on; ``--repeat`` reshuffles the folds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from common import ROOT
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from papertopics.evaluate import label_matrix, load_labels
from papertopics.listings import read_papers
from papertopics.themes import (
    ThemeResult,
    load_theme_vectors,
    score_themes,
    theme_metrics,
    themes_from_config,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    themes, settings = themes_from_config(config)
    keys = [t.key for t in themes]
    interim = args.results / "interim"
    papers = read_papers(interim / "papers.jsonl")
    vectors = load_theme_vectors(interim / "theme_vectors.npz")
    embeddings = np.load(interim / "embeddings.npy")
    assignments = pd.read_csv(interim / "topics" / "assignments.csv").set_index("paper_id")
    ids = [p.paper_id for p in papers]
    labels = load_labels(ROOT / config["evaluation"]["labels"])
    labelled, truth = label_matrix(ids, labels, keys)
    rows = np.flatnonzero(labelled)

    def score(weights: dict[str, float]) -> ThemeResult:
        return score_themes(
            titles=[p.title for p in papers],
            abstracts=[p.abstract for p in papers],
            paper_vectors=embeddings,
            themes=themes,
            **vectors,
            topics=assignments.loc[ids, "topic"].to_numpy(),
            settings=dataclasses.replace(settings, **weights),
        )

    base = score({})
    # the scorer's components, per labelled paper and theme, as in its logistic formula
    has = base.extra["hits"].to_numpy()[rows] > 0
    features = np.stack(
        [
            base.extra["semantic"].to_numpy()[rows],
            has * np.nan_to_num(base.extra["sense"].to_numpy()[rows]),
            has * np.log1p(base.extra["weighted_hits"].to_numpy()[rows]),
        ],
        axis=-1,
    )
    in_sample = theme_metrics(
        pd.DataFrame(truth, columns=keys),
        pd.DataFrame(base.assigned.to_numpy()[rows], columns=keys),
    )
    repeats = []
    for seed in range(args.repeat):
        predicted = np.zeros_like(truth)
        fitted = []
        for train, test in KFold(args.folds, shuffle=True, random_state=seed).split(rows):
            model = LogisticRegression(max_iter=2000).fit(
                features[train].reshape(-1, features.shape[-1]), truth[train].reshape(-1)
            )
            weights = {
                "bias": float(model.intercept_[0]),
                "semantic_weight": float(model.coef_[0][0]),
                "sense_weight": float(model.coef_[0][1]),
                "term_weight": float(model.coef_[0][2]),
            }
            fitted.append(weights)
            predicted[test] = score(weights).assigned.to_numpy()[rows][test]
        metrics = theme_metrics(
            pd.DataFrame(truth, columns=keys), pd.DataFrame(predicted, columns=keys)
        )
        repeats.append({"f1": metrics["f1"].round(3).to_dict(), "weights": fitted})
        print(f"folds shuffled with seed {seed}: macro-F1 {metrics.loc['macro', 'f1']:.3f}")
    macro = [r["f1"]["macro"] for r in repeats]
    summary = {
        "labelled": int(labelled.sum()),
        "in_sample_macro_f1": round(float(in_sample.loc["macro", "f1"]), 3),
        "in_sample_f1": in_sample["f1"].round(3).to_dict(),
        "cv_macro_f1_mean": round(float(np.mean(macro)), 3),
        "cv_macro_f1": macro,
        "cv_f1_mean": {
            k: round(float(np.mean([r["f1"][k] for r in repeats])), 3) for k in [*keys, "macro"]
        },
    }
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(
            json.dumps({"args": vars(args), **summary, "repeats": repeats}, indent=1, default=str)
        )


if __name__ == "__main__":
    main()
