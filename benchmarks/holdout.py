"""Themes on listings the scorer was never tuned on: hand-labelled samples of real arXiv days.

The theme scorer's keywords and weights were written and fitted with the seed labels in view
(``tests/data/seed_labels.csv``), so their macro-F1 there is an in-sample figure. This script
measures it on real listings: a window of ten days of arXiv ML listings (cs.LG, cs.CL, cs.AI,
written by ``../shared/tools/make_listings.py``), of which a sample was labelled by hand with the
seed labels' rules (``benchmarks/data/holdout_WINDOW.csv``). Windows: ``2026-03`` (2026-03-02 ..
2026-03-16, 1,415 papers), ``2025-10`` (from 2025-10-01, 1,647 papers), ``2025-06`` (from
2025-06-02, 1,967 papers), ``2026-05`` (from 2026-05-04, 2,061 papers), ``2025-08`` (from
2025-08-04, 1,407 papers), ``2025-04`` (from 2025-04-07, 1,222 papers), ``2025-12`` (from
2025-12-01, 954 papers), ``2026-06`` (from 2026-06-01, 2,149 papers), ``2025-09`` (from
2025-09-01, 1,185 papers), ``2026-01`` (from 2026-01-05, 1,386 papers), ``2025-07`` (from
2025-07-07, 1,316 papers), ``2026-02`` (from 2026-02-02, 1,246 papers), ``2025-05`` (from
2025-05-05, 923 papers) and ``2025-11`` (from 2025-11-03, 1,009 papers). All but the first three
were test windows, each scored once after the changes it tests were fixed.

Usage:
    .venv/bin/python benchmarks/holdout.py sample WINDOW OUT_DIR
        Write the listings to OUT_DIR/listings and the papers to label, with their abstracts,
        to OUT_DIR/to_label.csv (not committed: they are the corpus's text).
    .venv/bin/python benchmarks/holdout.py evaluate WINDOW [--keep DIR] [--set KEY=VALUE ...]
            [--out FILE]
        Run the workflow (cold, on all the window's papers) with ``evaluation.labels`` pointing
        at the hand labels and print the evaluation of the labelled papers.
    .venv/bin/python benchmarks/holdout.py pool [--seeds RESULTS] [--theme KEY] [--config FILE]
            [--set KEY=VALUE ...] WINDOW=DIR ...
        Rescore kept runs (``evaluate --keep DIR``; the seeds: a results folder of ``make run``)
        with the current package and config (or FILE, with the keys given set), without
        running the workflow: per set and pooled,
        precision, recall and F1 of papertopics and the keyword search; F1 pooled per theme at
        other thresholds; what the borderline lists hold; and, for one theme, how the papers
        with a single hit sentence score.
    .venv/bin/python benchmarks/holdout.py refit [--seeds RESULTS] WINDOW=DIR ...
        Leave one set out: refit the scorer's four shared weights (bias, semantic, sense,
        term: a logistic regression on the scorer's own components, as
        ``bench_theme_cv.py`` does within the seeds) on the other sets' labelled papers, score
        the set left out with them, and compare per set and pooled with the config's weights.
    .venv/bin/python benchmarks/holdout.py supervised [--seeds RESULTS] [--weights W ...]
            [--c C] WINDOW=DIR ...
        Leave one set out: per theme, a logistic regression on the other sets' labelled
        papers learns a sense direction (from the best hit sentence's embedding, or the
        paper's); its z-scored decision value joins the scorer's logit with weight W. Per
        set and pooled macro-F1 against the scorer.
    .venv/bin/python benchmarks/holdout.py agreement FIRST SECOND
        Per-theme F1 between two hand labellings of the same papers (label files as read by
        ``evaluation.labels``), e.g. tests/data/seed_labels.csv and
        benchmarks/data/second_seed_labels.csv.

The sample: the theme papers are rare among a day's listings, so a uniform sample would hold a
handful of each. Per theme, papers are drawn from those that match a broad net of words (wider
than the scorer's keywords: "student", "compress", "forgetting", "agent", "client", ...), plus a
uniform sample of all papers. The nets decide only which papers are read; the labels come from
reading each abstract. Deterministic: the same corpus gives the same sample.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import tempfile
from pathlib import Path

from common import (
    ROOT,
    apply_overrides,
    make_listings,
    make_workdir,
    parse_overrides,
    run_workflow,
)

from papertopics.evaluate import label_matrix, load_labels
from papertopics.listings import merge_listings, parse_listing
from papertopics.themes import theme_metrics

#: window name -> (first day, sampling seed); each window is ten listing days
WINDOWS = {
    "2026-03": ("2026-03-02", 20260302),
    "2025-10": ("2025-10-01", 20251001),
    "2025-06": ("2025-06-02", 20250602),
    "2026-05": ("2026-05-04", 20260504),
    "2025-08": ("2025-08-04", 20250804),
    "2025-04": ("2025-04-07", 20250407),
    "2025-12": ("2025-12-01", 20251201),
    "2026-06": ("2026-06-01", 20260601),
    "2025-09": ("2025-09-01", 20250901),
    "2026-01": ("2026-01-05", 20260105),
    "2025-07": ("2025-07-07", 20250707),
    "2026-02": ("2026-02-02", 20260202),
    "2025-05": ("2025-05-05", 20250505),
    "2025-11": ("2025-11-03", 20251103),
}
#: windows labelled blind and scored once, after the changes they test were fixed
TEST_WINDOWS = (
    "2026-05",
    "2025-08",
    "2025-04",
    "2025-12",
    "2026-06",
    "2025-09",
    "2026-01",
    "2025-07",
    "2026-02",
    "2025-05",
    "2025-11",
)
DAYS, PER_THEME, UNIFORM = 10, 30, 60
NETS = {
    "federated_learning": r"federat|\bclients?\b|decentrali[sz]ed|\bsilos?\b",
    "distillation": r"distil|teacher|\bstudents?\b|soft labels?|compress|smaller models?",
    "moe": r"\bexperts?\b|mixture|\brout(er|ing)\b|\bgat(e|ing)\b|sparsely",
    "continual_learning": r"continual|lifelong|forgett|incremental|sequential tasks|new tasks",
    "tool_use": r"\btools?\b|\bAPIs?\b|function[- ]call|plugin|code interpreter|\bagents?\b",
}


def labels_path(window: str) -> Path:
    return ROOT / "benchmarks" / "data" / f"holdout_{window}.csv"


def sample(window: str, out: Path) -> None:
    first, seed = WINDOWS[window]
    listings = out / "listings"
    make_listings(listings, "--first", first, "--days", str(DAYS), "--only-ml")
    parsed = merge_listings(parse_listing(path) for path in sorted(listings.glob("*.txt")))
    papers = [(p.title, p.abstract) for p in parsed]
    rng = random.Random(seed)
    chosen: dict[tuple[str, str], str] = {}
    for theme, net in NETS.items():
        pattern = re.compile(net, re.IGNORECASE)
        pool = [p for p in papers if p not in chosen and pattern.search(f"{p[0]} {p[1]}")]
        for paper in rng.sample(pool, min(PER_THEME, len(pool))):
            chosen[paper] = f"net:{theme}"
    rest = [p for p in papers if p not in chosen]
    for paper in rng.sample(rest, UNIFORM):
        chosen[paper] = "uniform"
    rows = sorted(chosen.items(), key=lambda kv: kv[0][0].lower())
    with open(out / "to_label.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "abstract", "drawn_by"])
        writer.writerows([title, abstract, why] for (title, abstract), why in rows)
    print(f"{len(papers)} papers; {len(rows)} to label in {out / 'to_label.csv'}")


def evaluate(
    window: str, keep: Path | None, overrides: dict[str, object], out: Path | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = keep or Path(tmp)
        sample_dir = base / "sample"
        if not (sample_dir / "listings").exists():
            sample(window, sample_dir)
        work = make_workdir(
            base / "work",
            sorted((sample_dir / "listings").glob("*.txt")),
            labels=str(labels_path(window)),
            overrides=overrides,
        )
        seconds = run_workflow(work, 4)  # rule all includes evaluate when labels are set
        table = (work / "results" / "tables" / "evaluation.csv").read_text("utf-8")
        print(table)
        print(json.dumps({"wall_s": round(seconds, 1)}))
        if out is not None:
            rows = list(csv.DictReader(table.splitlines()))
            result = {"overrides": overrides, "wall_s": round(seconds, 1), "evaluation": rows}
            out.write_text(json.dumps(result, indent=1) + "\n")


def agreement(first: Path, second: Path) -> None:
    """Per-theme precision, recall and F1 of ``second`` against ``first``, on shared titles."""
    import pandas as pd
    import yaml

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    keys = [d["key"] for d in config["themes"]["definitions"]]
    a, b = load_labels(first), load_labels(second)
    ids = sorted(set(a["paper_id"]) & set(b["paper_id"]))
    frames = []
    for labels in (a, b):
        _, truth = label_matrix(ids, labels, keys)  # every id is labelled in both
        frames.append(pd.DataFrame(truth, index=ids, columns=keys))
    print(f"{len(ids)} papers in both ({len(a)} and {len(b)} labelled)")
    print(theme_metrics(frames[0], frames[1]).round(3).to_string())


def _kept_run(results: Path, config: dict):
    """A kept run's papers and what the scorer needs of them, computed with the current package.

    Returns:
        ``(papers, vectors, topics, themes, settings, inputs)``; ``inputs`` as
        ``prefill.theme_inputs`` gives them (hits, candidate sentences and their vectors).
    """
    import numpy as np
    import pandas as pd

    from papertopics.listings import read_papers
    from papertopics.prefill import theme_embedders, theme_inputs
    from papertopics.themes import themes_from_config

    papers = read_papers(results / "interim" / "papers.jsonl")
    ids = [p.paper_id for p in papers]
    assignments = pd.read_csv(results / "interim" / "topics" / "assignments.csv")
    themes, settings = themes_from_config(config["themes"])
    papers_model, sense = theme_embedders(
        config["embedding"], config["themes"], results / "cache" / "embeddings"
    )
    inputs = theme_inputs(papers_model, sense, papers, themes, settings)
    vectors = np.load(results / "interim" / "embeddings.npy")
    topics = assignments.set_index("paper_id").loc[ids, "topic"].to_numpy()
    return papers, vectors, topics, themes, settings, inputs


def _rescorer(results: Path, labels: Path, config: dict):
    """A kept run's papers, ready to score with the current package.

    Returns:
        ``(score, labelled, truth, papers)``: ``score(settings=None)`` scores every paper
        (the config's scoring settings unless others are given) and returns the theme result.
    """
    from papertopics.themes import score_themes

    papers, vectors, topics, themes, settings, inputs = _kept_run(results, config)

    def score(other=None):
        return score_themes(
            titles=[p.title for p in papers],
            abstracts=[p.abstract for p in papers],
            paper_vectors=vectors,
            topics=topics,
            themes=themes,
            settings=other or settings,
            **inputs,
        )

    ids = [p.paper_id for p in papers]
    labelled, truth = label_matrix(ids, load_labels(labels), [t.key for t in themes])
    return score, labelled, truth, papers


def _rescored(results: Path, labels: Path, config: dict):
    """Score a kept run's papers with the current package: (theme result, labelled, truth)."""
    score, labelled, truth, papers = _rescorer(results, labels, config)
    return score(), labelled, truth, papers


def _f1(c):
    """Per-theme F1 from stacked true positives, false positives and misses."""
    import numpy as np

    return 2 * c[0] / np.maximum(2 * c[0] + c[1] + c[2], 1)


def _counts(pred, truth):
    """True positives, false positives and misses per theme, stacked."""
    import numpy as np

    return np.stack([(pred & truth).sum(0), (pred & ~truth).sum(0), (~pred & truth).sum(0)])


def refit(runs: dict[str, tuple[Path, Path]]) -> None:
    """Leave one set out: refit the scorer's four shared weights on the others, score it."""
    import dataclasses

    import numpy as np
    import yaml
    from sklearn.linear_model import LogisticRegression

    from papertopics.themes import themes_from_config

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    _, settings = themes_from_config(config["themes"])
    keys = [d["key"] for d in config["themes"]["definitions"]]
    sets = {}
    for name, (results, labels) in runs.items():
        score, labelled, truth, _ = _rescorer(results, labels, config)
        result = score()
        extra = {k: v[keys].to_numpy()[labelled] for k, v in result.extra.items()}
        has = extra["hits"] > 0
        # the scorer's components, as in its logistic formula (papertopics.themes.score_themes)
        features = np.stack(
            [
                extra["semantic"],
                has * np.nan_to_num(extra["sense"]),
                has * np.log1p(extra["weighted_hits"]),
            ],
            axis=-1,
        )
        sets[name] = (score, labelled, truth, features, result.assigned[keys].to_numpy())
    totals = {(method, scope): 0 for method in ("config", "refitted") for scope in ("all", "test")}
    print("sets:", ", ".join(runs), "| themes:", ", ".join(keys))
    for held, (score, labelled, truth, _, assigned) in sets.items():
        others = [v for name, v in sets.items() if name != held]
        model = LogisticRegression(max_iter=5000).fit(
            np.concatenate([v[3].reshape(-1, 3) for v in others]),
            np.concatenate([v[2].reshape(-1) for v in others]),
        )
        weights = dict(
            zip(
                ("semantic_weight", "sense_weight", "term_weight"),
                model.coef_[0].tolist(),
                strict=True,
            ),
            bias=float(model.intercept_[0]),
        )
        refitted = score(dataclasses.replace(settings, **weights)).assigned[keys].to_numpy()
        cells = []
        for method, pred in (("config", assigned), ("refitted", refitted)):
            c = _counts(pred[labelled], truth)
            for scope in ("all", "test") if held in TEST_WINDOWS else ("all",):
                totals[method, scope] = totals[method, scope] + c
            cells.append(f"{method} {_f1(c).mean():.3f} [{' '.join(f'{x:.2f}' for x in _f1(c))}]")
        shown = ", ".join(f"{k} {v:.2f}" for k, v in weights.items())
        print(f"{held:8} " + " | ".join(cells) + f" | refitted on the others: {shown}")
    for (method, scope), c in totals.items():
        if isinstance(c, int):  # no test window among the sets
            continue
        f = _f1(c)
        print(
            f"pooled, {'all sets' if scope == 'all' else 'test windows'}, {method:8} "
            f"macro {f.mean():.3f} [{' '.join(f'{x:.3f}' for x in f)}]"
            f" | TP {c[0].sum()} FP {c[1].sum()} FN {c[2].sum()}"
        )


def supervised(runs: dict[str, tuple[Path, Path]], weights: list[float], c: float) -> None:
    """Leave one set out: a learned sense direction per theme, trained on the other sets' labels.

    Per theme, a logistic regression learns the labels of the other sets' labelled papers from
    an embedding: the best hit sentence's (``sentence``: papers with a keyword hit) or the
    paper's (``paper``). Its decision value, as a robust z-score within the set left out, joins
    the scorer's logit with each weight in ``weights``; the topic smoothing and threshold
    follow as in ``score_themes``. Prints macro-F1 per set and pooled, against the scorer.
    """
    import numpy as np
    import yaml
    from sklearn.linear_model import LogisticRegression

    from papertopics.themes import _neighbour_mean, _sigmoid, score_themes

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    sets = {}
    for name, (results, labels) in runs.items():
        papers, vectors, topics, themes, settings, inputs = _kept_run(results, config)
        result = score_themes(
            titles=[p.title for p in papers],
            abstracts=[p.abstract for p in papers],
            paper_vectors=vectors,
            topics=topics,
            themes=themes,
            settings=settings,
            **inputs,
        )
        keys = [t.key for t in themes]
        n, k = len(papers), len(keys)
        # each paper's best hit sentence per theme, as the sense check picks it
        candidates, sentence_vectors = inputs["candidates"], inputs["candidate_vectors"]
        theme_vectors = inputs.get("sense_theme_vectors", inputs["theme_vectors"])
        best, best_cos = np.zeros((n, k, sentence_vectors.shape[1])), np.full((n, k), -np.inf)
        column = candidates["theme"].map({key: j for j, key in enumerate(keys)})
        for row, j, vector in zip(candidates["row"], column, sentence_vectors, strict=True):
            if j == j and vector @ theme_vectors[int(j)] > best_cos[row, int(j)]:
                best_cos[row, int(j)] = vector @ theme_vectors[int(j)]
                best[row, int(j)] = vector
        ids = [p.paper_id for p in papers]
        labelled, truth = label_matrix(ids, load_labels(labels), keys)
        full = np.zeros((n, k), dtype=bool)
        full[labelled] = truth
        own = np.clip(result.extra["own"][keys].to_numpy(), 1e-9, 1 - 1e-9)
        hits = result.extra["hits"][keys].to_numpy() > 0
        sets[name] = dict(
            vectors=vectors,
            topics=np.asarray(topics, dtype=int),
            settings=settings,
            logit=np.log(own / (1 - own)),
            hits=hits,
            best=best,
            labelled=labelled,
            truth=full,
        )

    def robust_z(values, mask):
        reference = values[mask] if mask.sum() > 10 else values
        median = np.median(reference)
        return (values - median) / (1.4826 * np.median(np.abs(reference - median)) + 1e-9)

    def counts(held, feature, weight):
        d = sets[held]
        extra = np.zeros_like(d["logit"])
        for j in range(extra.shape[1]) if weight else ():
            X, y = [], []
            for name, o in sets.items():
                if name == held:
                    continue
                mask = o["labelled"] & (o["hits"][:, j] if feature == "sentence" else True)
                X.append(o["best"][mask, j] if feature == "sentence" else o["vectors"][mask])
                y.append(o["truth"][mask, j])
            model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
            model.fit(np.vstack(X), np.concatenate(y))
            if feature == "sentence":
                has = d["hits"][:, j]
                z = robust_z(model.decision_function(d["best"][:, j]), has)
                extra[:, j] = weight * np.where(has, z, 0.0)
            else:
                extra[:, j] = weight * robust_z(
                    model.decision_function(d["vectors"]), np.ones(len(extra), dtype=bool)
                )
        s = d["settings"]
        own = _sigmoid(d["logit"] + extra)
        near = _neighbour_mean(own, d["vectors"], d["topics"], s.neighbours)
        score = (1 - s.neighbour_weight) * own + s.neighbour_weight * near
        m = d["labelled"]
        return _counts(score[m] >= s.threshold, d["truth"][m])

    print("sets:", ", ".join(runs))
    for feature, weight in [("none", 0.0)] + [
        (f, w) for f in ("sentence", "paper") for w in weights
    ]:
        per = {held: counts(held, feature, weight) for held in sets}
        test = [c for name, c in per.items() if name in TEST_WINDOWS]
        pooled = f"all pooled {_f1(sum(per.values())).mean():.3f}"
        if test:
            f = _f1(sum(test))
            pooled = f"test pooled {f.mean():.3f} [{' '.join(f'{x:.2f}' for x in f)}] " + pooled
        shown = " ".join(f"{_f1(cell).mean():.3f}" for cell in per.values())
        print(f"{feature:8} w={weight:<4} {shown} | {pooled}")


def pool(
    runs: dict[str, tuple[Path, Path]],
    theme: str,
    config_path: Path = ROOT / "config.yaml",
    overrides: dict[str, object] | None = None,
) -> None:
    """Rescore kept runs and print pooled figures (see the module docstring)."""
    import numpy as np
    import yaml

    from papertopics.themes import keyword_baseline

    config = apply_overrides(yaml.safe_load(config_path.read_text()), overrides or {})
    keys = [d["key"] for d in config["themes"]["definitions"]]
    print("sets:", ", ".join(runs), "| themes:", ", ".join(keys))

    def show(name, c):
        p, r, f = c[0] / np.maximum(c[0] + c[1], 1), c[0] / np.maximum(c[0] + c[2], 1), _f1(c)
        cells = " ".join(f"{x:.3f}" if n else "  -  " for x, n in zip(f, c[0] + c[2], strict=True))
        # as in evaluation.csv, a theme without a labelled paper in the set has no F1
        macro = f[(c[0] + c[2]) > 0].mean()
        print(
            f"{name:34} F1 {cells} | macro {macro:.3f} | P {p.round(2)} R {r.round(2)}"
            f" | TP {c[0].sum()} FP {c[1].sum()} FN {c[2].sum()}"
        )

    total = {"papertopics": 0, "keyword search": 0}
    sweep = {t: 0 for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)}
    border = np.zeros((5, len(keys)), dtype=int)
    one_hit = []
    for name, (results, labels) in runs.items():
        result, labelled, truth, papers = _rescored(results, labels, config)
        scores = result.scores[keys].to_numpy()
        keyword = keyword_baseline([p.title for p in papers], [p.abstract for p in papers])
        for method, pred in (
            ("papertopics", result.assigned[keys].to_numpy()[labelled]),
            ("keyword search", keyword[keys].to_numpy(bool)[labelled]),
        ):
            c = _counts(pred, truth)
            total[method] = total[method] + c
            show(f"{name} {method}", c)
        for t in sweep:
            sweep[t] = sweep[t] + _counts(scores[labelled] >= t, truth)
        near = result.borderline[keys].to_numpy()
        missed = ~result.assigned[keys].to_numpy()[labelled] & truth
        row = [
            result.assigned[keys].to_numpy().sum(0),
            near.sum(0),
            (near[labelled] & truth).sum(0),
            (near[labelled] & ~truth).sum(0),
            missed.sum(0),
        ]
        border += np.stack(row)
        print(
            f"{name}: {len(papers)} papers; members {row[0]}, borderline {row[1]}; "
            f"labelled misses {row[4]}, of them borderline {row[2]}; "
            f"borderline labelled non-members {row[3]}"
        )
        j = keys.index(theme)
        hits = result.extra["hits"][theme].to_numpy()[labelled]
        for k in np.nonzero(hits == 1)[0]:
            i = np.nonzero(labelled)[0][k]
            one_hit.append(
                (
                    truth[k, j],
                    result.assigned[theme].iloc[i],
                    result.extra["semantic"][theme].iloc[i],
                    result.extra["sense"][theme].iloc[i],
                )
            )
    print()
    for method, c in total.items():
        show(f"all sets {method}", c)
    print("F1 pooled per theme at threshold:")
    for t, c in sweep.items():
        print(f"  {t:.2f}: " + " ".join(f"{x:.3f}" for x in _f1(c)) + f" (FP {c[1]}, FN {c[2]})")
    print(
        f"borderline, all sets: members {border[0]} ({border[0].sum()}), borderline {border[1]} "
        f"({border[1].sum()}); labelled misses {border[4]} ({border[4].sum()}), of them "
        f"borderline {border[2]} ({border[2].sum()}); borderline labelled non-members "
        f"{border[3]} ({border[3].sum()})"
    )
    y, assigned, z_doc, z_sense = (np.array(v) for v in zip(*one_hit, strict=True))
    print(
        f"{theme}, labelled papers with one hit sentence: {y.sum()} positives "
        f"({(assigned & y).sum()} assigned), {(~y).sum()} negatives ({(assigned & ~y).sum()} "
        f"assigned); mean z paper {z_doc[y].mean():.2f} / {z_doc[~y].mean():.2f}, "
        f"mean z sentence {z_sense[y].mean():.2f} / {z_sense[~y].mean():.2f}; "
        f"z sentence >= 3: {(z_sense[y] >= 3).sum()} positives, {(z_sense[~y] >= 3).sum()} "
        f"negatives"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_sample = sub.add_parser("sample")
    p_sample.add_argument("window", choices=WINDOWS)
    p_sample.add_argument("out", type=Path)
    p_eval = sub.add_parser("evaluate")
    p_eval.add_argument("window", choices=WINDOWS)
    p_eval.add_argument("--keep", type=Path, default=None)
    p_eval.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p_eval.add_argument("--out", type=Path, default=None, help="write the evaluation as JSON")
    p_pool = sub.add_parser("pool")
    p_pool.add_argument("runs", nargs="+", metavar="WINDOW=DIR")
    p_pool.add_argument("--seeds", type=Path, default=None, help="results folder of make run")
    p_pool.add_argument("--theme", default="distillation")
    p_pool.add_argument(
        "--config", type=Path, default=ROOT / "config.yaml", help="config to score with"
    )
    p_pool.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p_refit = sub.add_parser("refit")
    p_refit.add_argument("runs", nargs="+", metavar="WINDOW=DIR")
    p_refit.add_argument("--seeds", type=Path, default=None, help="results folder of make run")
    p_sup = sub.add_parser("supervised")
    p_sup.add_argument("runs", nargs="+", metavar="WINDOW=DIR")
    p_sup.add_argument("--seeds", type=Path, default=None, help="results folder of make run")
    p_sup.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    p_sup.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    p_agree = sub.add_parser("agreement")
    p_agree.add_argument("first", type=Path)
    p_agree.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.window, args.out)
    elif args.command == "agreement":
        agreement(args.first, args.second)
    elif args.command in ("pool", "refit", "supervised"):
        runs = {}
        if args.seeds is not None:
            runs["seeds"] = (args.seeds, ROOT / "tests" / "data" / "seed_labels.csv")
        for item in args.runs:
            window, _, folder = item.partition("=")
            if window not in WINDOWS:
                parser.error(f"unknown window {window!r} in {item!r}")
            runs[window] = (Path(folder) / "work" / "results", labels_path(window))
        if args.command == "pool":
            pool(runs, args.theme, args.config, parse_overrides(args.set))
        elif args.command == "supervised":
            supervised(runs, args.weights, args.c)
        else:
            refit(runs)
    else:
        evaluate(args.window, args.keep, parse_overrides(args.set), args.out)


if __name__ == "__main__":
    main()
