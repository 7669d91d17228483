"""Weight and render time of the HTML report for synthetic corpora (not a unit test).

Builds synthetic output tables for N papers (realistic title and abstract lengths, topics as
clusters on the map, five themes from config.yaml, a listing per 100 papers), draws the real
figures, renders the real template, and opens the page in headless Chromium (Playwright with
the system /usr/bin/chromium). Prints the file size (and gzipped, as when mailed or served),
the time to build it in Python, the time until the page is interactive (map drawn, first table
page built) and until the abstracts are searchable, and the time of one table search over
titles and abstracts, of one map hover look-up and of one full redraw of the map.

Usage:
    .venv/bin/python benchmarks/report_weight.py                # 1,000 and 20,000 papers
    .venv/bin/python benchmarks/report_weight.py 1000 75000 --runs 5 --keep /tmp/reports \\
        --screenshots /tmp/shots
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workflow" / "report" / "report.html.j2"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WORDS = [
    "model",
    "models",
    "language",
    "large",
    "learning",
    "training",
    "data",
    "federated",
    "clients",
    "distillation",
    "student",
    "teacher",
    "experts",
    "mixture",
    "routing",
    "sparse",
    "continual",
    "forgetting",
    "tasks",
    "tool",
    "agents",
    "api",
    "calls",
    "reasoning",
    "multimodal",
    "vision",
    "image",
    "video",
    "retrieval",
    "generation",
    "benchmark",
    "evaluation",
    "fine-tuning",
    "instruction",
    "alignment",
    "preference",
    "reward",
    "policy",
    "optimisation",
    "transformer",
    "attention",
    "memory",
    "efficient",
    "inference",
    "compression",
    "quantisation",
    "pruning",
    "graph",
    "neural",
    "robust",
    "adversarial",
    "privacy",
    "diffusion",
    "speech",
    "code",
    "math",
    "planning",
    "search",
    "dataset",
    "scaling",
    "performance",
    "method",
    "approach",
    "novel",
    "results",
    "propose",
    "framework",
    "show",
    "across",
    "state-of-the-art",
    "significantly",
    "improves",
]


def _sentence(rng: np.random.Generator, n_words: int) -> str:
    words = rng.choice(WORDS, size=n_words)
    return " ".join(words).capitalize() + "."


def synthetic_tables(n: int, seed: int = 0) -> dict:
    """Output tables of a run over ``n`` synthetic papers.

    Args:
        n: Number of unique papers.
        seed: Random seed.

    Returns:
        Keyword arguments for :func:`papertopics.report.report_context` (without ``figures``),
        plus ``over_time`` for the figures.
    """
    rng = np.random.default_rng(seed)
    config = yaml.safe_load((ROOT / "config.yaml").read_text("utf-8"))
    keys = [d["key"] for d in config["themes"]["definitions"]]
    labels = [d["label"] for d in config["themes"]["definitions"]]
    n_topics = max(8, n // 60)
    n_listings = max(2, n // 100)
    centres = rng.normal(0, 6, size=(n_topics, 2))
    topic = rng.integers(-1, n_topics, size=n)
    xy = centres[np.maximum(topic, 0)] + rng.normal(0, 0.8, size=(n, 2))
    topic_theme = {t: (keys[t % len(keys)] if t % 3 == 0 else "") for t in range(n_topics)}
    listing_names = [f"{k:03d}_listing" for k in range(n_listings)]
    dates = pd.date_range("2025-01-06", periods=n_listings, freq="7D").strftime("%Y-%m-%d")
    first = rng.integers(0, n_listings, size=n)
    rows = []
    for i in range(n):
        t = int(topic[i])
        held = [topic_theme[t]] if t >= 0 and topic_theme[t] else []
        if rng.random() < 0.08:
            held.append(keys[int(rng.integers(len(keys)))])
        held = list(dict.fromkeys(held))
        scores = {
            k: round(float(rng.uniform(0.55, 0.99) if k in held else rng.uniform(0, 0.45)), 3)
            for k in keys
        }
        held.sort(key=lambda k: -scores[k])
        sources = [listing_names[first[i]]]
        if first[i] + 1 < n_listings and rng.random() < 0.1:
            sources.append(listing_names[first[i] + 1])
        evidence = " || ".join(
            f'{k}: terms: {WORDS[j % len(WORDS)]}; sentence: "{_sentence(rng, 14)}"'
            for j, k in enumerate(held)
        )
        rows.append(
            {
                "paper_id": f"{i:012x}",
                "title": _sentence(rng, int(rng.integers(7, 15)))[:-1],
                "abstract": " ".join(_sentence(rng, int(rng.integers(14, 24))) for _ in range(9)),
                "sources": ";".join(sources),
                "first_listed": dates[first[i]],
                "themes": ";".join(held),
                "primary_theme": held[0] if held else "",
                **{f"score_{k}": scores[k] for k in keys},
                "theme_evidence": evidence,
                "topic": t,
                "topic_label": f"topic {t}",
                "x": round(float(xy[i, 0]), 3),
                "y": round(float(xy[i, 1]), 3),
            }
        )
    papers = pd.DataFrame(rows)
    topic_rows = [
        {
            "topic": t,
            "label": ", ".join(rng.choice(WORDS, 3, replace=False)) if t >= 0 else "outliers",
            "size": int((topic == t).sum()),
            "top_terms": ", ".join(rng.choice(WORDS, 10, replace=False)),
            "theme": topic_theme.get(t, ""),
            "representative_titles": " | ".join(papers.loc[topic == t, "title"].head(5)),
        }
        for t in range(-1, n_topics)
    ]
    themes = pd.DataFrame(
        {
            "theme": keys,
            "label": labels,
            "n_papers": [int(papers["themes"].str.contains(k).sum()) for k in keys],
            "top_terms": [", ".join(rng.choice(WORDS, 10, replace=False)) for _ in keys],
            "representative_titles": ["" for _ in keys],
        }
    )
    by_listing = pd.DataFrame(
        [
            {
                "listing": name,
                "listing_date": dates[j],
                "theme": k,
                "n_papers": int(((first == j) & papers["themes"].str.contains(k)).sum()),
            }
            for j, name in enumerate(listing_names)
            for k in keys
        ]
    )
    listings = pd.DataFrame(
        {
            "listing": listing_names,
            "listing_date": list(dates),
            "date_source": "config",
            "n_papers": [int((first == j).sum()) for j in range(n_listings)],
            "n_duplicates": 0,
            "n_warnings": 0,
            "skipped": "",
        }
    )
    over_time = by_listing.assign(share=0.1)
    centroids = {t: rng.normal(size=384).astype(np.float32) for t in range(n_topics)}
    return {
        "papers": papers,
        "topics": pd.DataFrame(topic_rows),
        "themes": themes,
        "by_listing": by_listing,
        "listings": listings,
        "warnings": pd.DataFrame({"file": [], "line": [], "message": []}),
        "topic_params": {
            "umap_n_components": 5,
            "umap_n_neighbors": 10,
            "seed": 42,
            "min_cluster_size": 5,
            "min_samples": 2,
            "n_outliers_before": 0,
        },
        "config": config,
        "centroids": centroids,
        "over_time": over_time,
    }


def build_report(n: int, folder: Path) -> tuple[Path, float]:
    """Render the report for ``n`` synthetic papers into ``folder``; return path and seconds."""
    from papertopics import figures
    from papertopics.report import render_report, report_context

    tables = synthetic_tables(n)
    over_time = tables.pop("over_time")
    colours = figures.theme_colours(tables["themes"]["theme"].tolist())
    drawn = {
        "theme_sizes": figures.plot_theme_sizes(tables["themes"], n, colours),
        "paper_map": figures.plot_paper_map(tables["papers"], tables["themes"], colours),
        "theme_terms": figures.plot_theme_terms(tables["papers"], tables["themes"], colours),
        "themes_by_listing": figures.plot_themes_by_listing(
            tables["by_listing"], tables["themes"], colours
        ),
    }
    if hasattr(figures, "plot_themes_over_time"):
        drawn["themes_over_time"] = figures.plot_themes_over_time(
            over_time, tables["themes"], colours
        )
    paths = {}
    for name, figure in drawn.items():
        figures.save(figure, folder / name)
        paths[name] = folder / f"{name}.svg"
    start = time.perf_counter()
    html = render_report(report_context(**tables, figures=paths), TEMPLATE)
    seconds = time.perf_counter() - start
    out = folder / f"report_{n}.html"
    out.write_text(html, "utf-8")
    return out, seconds


def measure(path: Path, runs: int, screenshots: Path | None = None) -> dict:
    """Open the report ``runs`` times in headless Chromium; median timings in milliseconds.

    ``interactive`` is the time from navigation start until the map is drawn and the first
    table page is built (a performance mark set by the page), ``ready`` until the abstracts
    are searchable too (they are unpacked in the background in large reports).
    """
    from playwright.sync_api import sync_playwright

    samples = {"interactive_ms": [], "ready_ms": [], "search_ms": [], "hover_ms": [], "draw_ms": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function("document.documentElement.dataset.ready === 'true'")
            marks = page.evaluate(
                """() => { const at = (n) => performance.getEntriesByName(n)[0].startTime;
                return [at('papertopics:interactive'), at('papertopics:ready')]; }"""
            )
            samples["interactive_ms"].append(marks[0])
            samples["ready_ms"].append(marks[1])
            samples["search_ms"].append(
                page.evaluate(
                    """() => { const t = window.papertopics.table, t0 = performance.now();
                    t.search('federated clients'); const ms = performance.now() - t0;
                    t.search(''); return ms; }"""
                )
            )
            samples["hover_ms"].append(
                page.evaluate(
                    """() => { const m = window.papertopics.map; const t0 = performance.now();
                    for (let k = 0; k < 1000; k++) m.nearest(200 + k % 700, 150 + k % 400);
                    return (performance.now() - t0) / 1000; }"""
                )
            )
            samples["draw_ms"].append(
                page.evaluate(
                    """() => { const m = window.papertopics.map; m.redraw();
                    let total = 0; for (let k = 0; k < 10; k++) total += m.redraw();
                    return total / 10; }"""
                )
            )
            if screenshots and run == 0:
                screenshots.mkdir(parents=True, exist_ok=True)
                page.add_style_tag(content="nav { position: static !important; }")
                for section in ("overview", "map-section", "papers", "topics"):
                    page.locator(f"#{section}").screenshot(
                        path=str(screenshots / f"{path.stem}_{section}.png")
                    )
            if errors:
                raise RuntimeError(f"page errors: {errors}")
            page.close()
        browser.close()
    return {key: statistics.median(values) for key, values in samples.items()}


def main(argv: list[str] | None = None) -> None:
    """Build, open and time the reports; print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 20000])
    parser.add_argument("--runs", type=int, default=3, help="page loads per size (median)")
    parser.add_argument("--keep", type=Path, help="folder to keep the reports in")
    parser.add_argument("--screenshots", type=Path, help="folder for screenshots of the sections")
    parser.add_argument(
        "--report", type=Path, action="append", default=[], help="also time this built report"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(
            f"{'papers':>8} {'MB':>7} {'gzip MB':>8} {'build s':>8} {'interactive ms':>15} "
            f"{'ready ms':>9} {'search ms':>10} {'hover ms':>9} {'draw ms':>8}"
        )
        built = [(str(n), *build_report(n, folder)) for n in args.sizes]
        for name, path, build_s in built + [(p.name, p, float("nan")) for p in args.report]:
            timings = measure(path, args.runs, args.screenshots)
            size = path.stat().st_size / 1e6
            packed = len(gzip.compress(path.read_bytes(), 6)) / 1e6
            print(
                f"{name:>8} {size:>7.2f} {packed:>8.2f} {build_s:>8.2f} "
                f"{timings['interactive_ms']:>15.0f} {timings['ready_ms']:>9.0f} "
                f"{timings['search_ms']:>10.1f} {timings['hover_ms']:>9.4f} "
                f"{timings['draw_ms']:>8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
