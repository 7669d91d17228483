"""The self-contained HTML report: one file, no network, every input string escaped.

:func:`report_context` turns the output tables into plain Python values; :func:`render_report`
renders them with the Jinja2 template (autoescape on) and inlines the report's own CSS and
JavaScript (``report.css`` and ``report.js`` beside the template). The papers travel as one
JSON document inside ``<script type="application/json">``, made safe by :func:`json_for_script`;
the page builds its map and table from it with DOM text nodes only (never ``innerHTML``).
A Content-Security-Policy allows no network access at all and only the report's own script
(by its SHA-256 hash), so even a string that escaped escaping could not run.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import html
import importlib.metadata
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import paper_texts
from papertopics.evaluate import BORDERLINE_METHOD, ZERO_SHOT_METHOD
from papertopics.figures import NO_THEME, term_papers, text_colour, theme_colours
from papertopics.listings import FILE_SKIPPED, NOT_A_LISTING
from papertopics.tables import theme_membership
from papertopics.themes import themes_from_config

__all__ = [
    "json_for_script",
    "package_versions",
    "render_report",
    "report_context",
    "topic_similarity",
]

PACKAGES = (
    "papertopics",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "sentence-transformers",
    "torch",
    "scikit-learn",
    "numpy",
    "pandas",
    "matplotlib",
    "snakemake",
)

#: Representative papers shown in each theme's section (all of them are in the paper table).
N_REPRESENTATIVE = 5
#: Borderline papers (scored just below the threshold) listed per theme, highest score first.
N_BORDERLINE = 10
#: Related discovered topics listed per theme.
N_RELATED_TOPICS = 6
#: The topic-similarity heatmap shows at most this many topics (the largest).
MAX_HEATMAP_TOPICS = 50
#: Above this many papers the abstracts travel gzip-compressed (base64) inside the JSON and
#: the page unpacks them with the browser's DecompressionStream: about half the file size.
COMPRESS_ABSTRACTS_OVER = 5000
#: Topics outside the themes shown in full (representative papers, nearest topics); the
#: smaller ones are listed in a collapsed table.
MAX_TOPIC_ROWS = 40
#: Static figures larger than this are not inlined (the interactive map replaces the big one).
MAX_INLINE_FIGURE = 400_000

#: Headings of the "what changed" groups; other kinds are shown by their name.
CHANGE_KINDS = {
    "listing_added": "Listings added",
    "listing_removed": "Listings removed",
    "new_papers": "New papers",
    "paper_edited": "Papers whose text changed",
    "topics_refitted": "Topics fitted afresh",
    "topics_kept": "Topics kept, new papers placed into them",
    "papers_moved": "Papers now in another topic",
    "new_topic": "New topics",
    "topic_removed": "Topics no longer found",
    "topic_relabelled": "Topics renamed (their terms moved on)",
    "theme_added": "Themes added",
    "theme_removed": "Themes removed",
    "theme_changed": "Papers whose themes changed",
    "papers_removed": "Papers removed",
    "settings_changed": "Settings changed",
    "first_run": "First run",
    "unchanged": "Nothing changed since the previous run",
}
#: Kinds of change about the whole run (subject "all"): the heading, or the detail, says it.
RUN_KINDS = ("first_run", "unchanged")
#: Kinds of change about the topics as a whole (subject "topics"): the heading says it.
ALL_TOPICS_KINDS = ("topics_refitted", "topics_kept", "papers_moved")

#: Kinds of change whose subject is a theme key (or "all") and detail its label.
THEME_KINDS = ("new_papers", "papers_removed", "theme_added", "theme_removed")
#: Kinds of change whose subject is a topic id.
TOPIC_KINDS = ("new_topic", "topic_removed", "topic_relabelled")
#: Kinds of change with one row per thing (listing, topic, paper): their heading counts rows.
#: The others hold a total and a breakdown, and their rows carry the counts.
COUNTED_KINDS = (
    "listing_added",
    "listing_removed",
    "new_topic",
    "topic_removed",
    "topic_relabelled",
    "theme_added",
    "theme_removed",
    "theme_changed",
    "paper_edited",
)

#: What a change row's ``n`` counts, per kind (papers unless named here); None: nothing the
#: row does not already say (a paper whose themes changed is 1; settings have no count; a
#: refit's detail counts the topics that kept their id).
CHANGE_UNITS = {
    "topics_refitted": None,  # its detail says how many topics kept their id
    "theme_changed": None,
    "paper_edited": None,
    "settings_changed": None,
    "first_run": None,
    "unchanged": None,
}

#: ``topic_by`` values the paper table explains (papers.csv; :data:`papertopics.topics.TOPIC_BY`).
TOPIC_BY_CODES = {"nearest": 1, "placed": 2}

#: Light-to-dark blue ramp for the similarity heatmap (sequential, colour-blind safe).
_RAMP = ((247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107))


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape the results.

    Args:
        names: Distribution names to look up.

    Returns:
        Version per name, or ``"not installed"``.
    """
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def json_for_script(data) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>`` break-out).

    Args:
        data: Any JSON-serialisable value.

    Returns:
        Compact JSON with ``<``, ``>`` and ``&`` written as ``\\u`` escapes.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _svg_body(path: str | Path, name: str, title: str) -> str:
    """An SVG file's ``<svg>`` element for inlining: no XML prolog or doctype, its ids
    prefixed with ``name`` (matplotlib numbers them ``figure_1``, ``patch_1``, … in every
    file, and ids must be unique in the page), and named ``title`` for screen readers."""
    text = Path(path).read_text("utf-8")
    text = text[text.index("<svg") :]
    ids = set(_SVG_ID.findall(text))
    text = _SVG_ID.sub(lambda m: f'id="{name}-{m[1]}"', text)
    text = _SVG_REF.sub(
        lambda m: f"{m[1]}{name}-{m[2]}" if m[2] in ids else m[0],
        text,
    )
    return f'<svg role="img" aria-label="{html.escape(title)}"' + text[len("<svg") :]


_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'((?:href="|url\()#)([^")]+)')


def _split(value: str, sep: str = ";") -> list[str]:
    return [item for item in str(value).split(sep) if item]


def _evidence(text: str) -> dict[str, str]:
    """``key: what || key: what`` of papers.csv as ``{key: what}``."""
    found = {}
    for part in str(text).split(" || "):
        key, _, what = part.partition(": ")
        if key and what:
            found[key] = what
    return found


def _int(value) -> int | None:
    """An integer, or None for an empty or missing cell."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else int(number)


def _text(value) -> str:
    """A cell as text: empty for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _ramp(value: float) -> str:
    """Colour of ``value`` (0–1) on the heatmap ramp, as ``#rrggbb``."""
    value = min(max(float(value), 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(value), len(_RAMP) - 2)
    f = value - i
    rgb = (round(a + (b - a) * f) for a, b in zip(_RAMP[i], _RAMP[i + 1], strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def topic_similarity(
    centroids: Mapping[int, Sequence[float]],
    labels: Mapping[int, str],
    sizes: Mapping[int, int] | None = None,
    max_topics: int = MAX_HEATMAP_TOPICS,
) -> dict | None:
    """Cosine similarity of topic centroids, ordered by average-linkage clustering.

    The outlier topic (−1) is left out. With more than ``max_topics`` topics only the largest
    are kept. The result carries everything the template needs to draw a heatmap with a
    dendrogram, in pixels.

    Args:
        centroids: Mean embedding per topic id.
        labels: Readable label per topic id.
        sizes: Papers per topic id (to pick the largest topics).
        max_topics: Most topics in the heatmap.

    Returns:
        ``topics`` (id, label, size in leaf order), ``cells`` (row, column, value, colour),
        ``links`` (dendrogram polylines), ``nearest`` (the two most similar topics of each),
        layout sizes, and the colour scale; None with fewer than two topics.
    """
    ids = [int(t) for t in centroids if int(t) != -1]
    n_topics = len(ids)
    if sizes:
        ids.sort(key=lambda t: (-int(sizes.get(t, 0)), t))
    ids = sorted(ids[:max_topics])
    if len(ids) < 2:
        return None
    matrix = np.asarray([centroids[t] for t in ids], dtype=np.float64)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    sim = np.clip(matrix @ matrix.T, -1.0, 1.0)

    from scipy.cluster.hierarchy import dendrogram, linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - sim, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    dendro = dendrogram(tree, no_plot=True)
    order = [int(i) for i in dendro["leaves"]]

    n = len(ids)
    cell = max(12, min(34, 680 // n))
    tree_width = 90
    off = sim[~np.eye(n, dtype=bool)]
    low, high = float(off.min()), float(off.max())
    span = (high - low) or 1.0
    cells = []
    for r, i in enumerate(order):
        for c, j in enumerate(order):
            value = float(sim[i, j])
            cells.append(
                {
                    "row": r,
                    "col": c,
                    "a": ids[i],
                    "b": ids[j],
                    "value": round(value, 2),
                    "colour": _ramp(1.0 if i == j else (value - low) / span),
                }
            )
    # dendrogram: scipy puts leaf k at 5 + 10k and heights in distance units
    top = max(max(d) for d in dendro["dcoord"]) or 1.0
    links = []
    for xs, ds in zip(dendro["icoord"], dendro["dcoord"], strict=True):
        points = [
            (
                round(tree_width * (1 - d / top), 1),
                round((x - 5) / 10 * cell + cell / 2, 1),
            )
            for x, d in zip(xs, ds, strict=True)
        ]
        links.append(" ".join(f"{px},{py}" for px, py in points))
    nearest = {}
    for i, t in enumerate(ids):
        others = [j for j in np.argsort(-sim[i], kind="stable") if j != i][:2]
        nearest[t] = [{"topic": ids[j], "value": round(float(sim[i, j]), 2)} for j in others]
    return {
        "topics": [
            {"topic": ids[i], "label": labels.get(ids[i], ""), "size": (sizes or {}).get(ids[i])}
            for i in order
        ],
        "cells": cells,
        "links": links,
        "nearest": nearest,
        "cell": cell,
        "tree_width": tree_width,
        "size": n * cell,
        "low": round(low, 2),
        "high": round(high, 2),
        "legend": [_ramp(k / 4) for k in range(5)],
        "n_left_out": n_topics - n,
    }


def _changes(changes: pd.DataFrame | None) -> list[dict] | None:
    """Rows of ``changes.csv`` grouped by kind, known kinds first."""
    if changes is None or changes.empty:
        return None
    order = list(CHANGE_KINDS)
    groups = []
    frame = changes
    kinds = sorted(
        frame["kind"].astype(str).unique(),
        key=lambda k: (order.index(k) if k in order else len(order), k),
    )
    for kind in kinds:
        rows = frame[frame["kind"].astype(str) == kind]
        groups.append(
            {
                "kind": kind,
                # subjects of topic changes are topic ids: shown as "#id"
                "topics": bool(
                    kind in TOPIC_KINDS
                    and rows["subject"].astype(str).str.fullmatch(r"-?\d+").all()
                ),
                "title": CHANGE_KINDS.get(kind, kind.replace("_", " ").capitalize()),
                "count": len(rows) if kind in COUNTED_KINDS else None,
                "rows": [
                    _change_row(kind, row)
                    for _, row in rows.iterrows()
                    if kind != "unchanged"  # its heading says it all
                ],
            }
        )
    return groups


def _change_row(kind: str, row: pd.Series) -> dict:
    """One line of a "what changed" group: subject, detail and what ``n`` counts."""
    subject, detail = _text(row["subject"]), _text(row["detail"])
    if kind in RUN_KINDS or kind in ALL_TOPICS_KINDS:
        subject = ""
    elif kind in THEME_KINDS and subject != "all":  # a theme by its label, not key and label
        subject, detail = detail or subject, ""
    return {
        "subject": subject,
        "detail": detail,
        "n": _counted(_int(row["n"]), CHANGE_UNITS.get(kind, "paper")),
    }


def _counted(n: int | None, unit: str | None) -> str | None:
    """``12 papers``, ``1 topic``; None without a count or a unit."""
    if n is None or unit is None:
        return None
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _problems(listings: pd.DataFrame, warnings: pd.DataFrame) -> dict:
    """Found while reading: skipped files, other files, skipped entries, merged duplicates."""
    message = warnings["message"].astype(str)
    skipped = warnings[message.str.startswith(FILE_SKIPPED)]
    other = warnings[message.str.startswith(NOT_A_LISTING)]
    entries = warnings[~message.str.startswith((FILE_SKIPPED, NOT_A_LISTING))]
    by_file = [
        {
            "file": str(name),
            "warnings": [
                {"line": _int(w["line"]), "message": str(w["message"])} for _, w in group.iterrows()
            ],
        }
        for name, group in entries.groupby("file", sort=True)
    ]
    duplicates = [
        {"listing": str(row["listing"]), "n": int(row["n_duplicates"])}
        for _, row in listings.iterrows()
        if _int(row["n_duplicates"])
    ]
    return {
        "skipped": [
            {"file": str(r["file"]), "reason": str(r["message"]).removeprefix(FILE_SKIPPED)}
            for _, r in skipped.iterrows()
        ],
        "entries": by_file,
        "n_entries": len(entries),
        "other_files": [
            {"file": str(r["file"]), "reason": str(r["message"])} for _, r in other.iterrows()
        ],
        "duplicates": duplicates,
    }


def _short_date(date: str) -> str:
    """``2026-03-11`` as ``Mar 11``; other text unchanged."""
    try:
        return dt.date.fromisoformat(date).strftime("%b %d").replace(" 0", " ")
    except ValueError:
        return date or "?"


def _trend(by_listing: pd.DataFrame, listing_sizes: Mapping[str, int], key: str) -> dict:
    """Papers of one theme per listing, in date order, laid out as a small bar chart."""
    rows = by_listing[by_listing["theme"] == key].copy()
    rows["_date"] = rows["listing_date"].astype(str).replace("", "9999")
    rows = rows.sort_values(["_date", "listing"], kind="stable")
    n = len(rows)
    width = 320
    step = width / max(n, 1)
    bar = max(1.0, min(36.0, step * 0.8))
    peak = max([int(v) for v in rows["n_papers"]] + [1])
    bars = []
    years = [str(d)[:4] for d in rows["listing_date"]]
    several = len({y for y in years if y}) > 1
    for k, (_, row) in enumerate(rows.iterrows()):
        count = int(row["n_papers"])
        # across years, the year goes under the first listing of each year
        first_of_year = several and years[k] and (k == 0 or years[k] != years[k - 1])
        total = listing_sizes.get(str(row["listing"]), 0)
        height = round(70 * count / peak, 1)
        bars.append(
            {
                "listing": str(row["listing"]),
                "date": str(row["listing_date"]) or "no date",
                "short": _short_date(str(row["listing_date"])),
                "year": years[k] if first_of_year else "",
                "n": count,
                "share": f"{100 * count / total:.0f}%" if total else "",
                "x": round(k * step + (step - bar) / 2, 1),
                "w": round(bar, 1),
                "h": height,
                "y": round(80 - height, 1),
            }
        )
    return {"bars": bars, "peak": peak, "width": width, "several_years": several}


def _listed_paper(paper, key: str, evidence: str) -> dict:
    """A paper listed under theme ``key``: id, title, score, its themes, its evidence for ``key``.

    ``paper`` is a row of ``papers.csv`` (``itertuples``); ``evidence`` the cell that holds the
    paper's ``key: evidence`` parts (``theme_evidence`` or ``borderline_evidence``).
    """
    return {
        "paper_id": paper.paper_id,
        "title": paper.title,
        "score": float(getattr(paper, f"score_{key}")),
        "themes": _split(paper.themes),
        "evidence": _evidence(evidence).get(key, ""),
    }


def _scored_evidence(
    held_by_paper: Sequence[Sequence[str]],
    texts: Sequence[str],
    scores: np.ndarray,
    theme_index: Mapping[str, int],
) -> list[list]:
    """Per paper, ``[theme index, score, evidence]`` of each theme it holds (for the page data)."""
    rows = []
    for k, (held, text) in enumerate(zip(held_by_paper, texts, strict=True)):
        found = _evidence(text)
        rows.append(
            [
                [theme_index[key], round(float(scores[k, theme_index[key]]), 2), found.get(key, "")]
                for key in held
                if key in theme_index
            ]
        )
    return rows


def report_context(
    *,
    papers: pd.DataFrame,
    topics: pd.DataFrame,
    themes: pd.DataFrame,
    by_listing: pd.DataFrame,
    listings: pd.DataFrame,
    warnings: pd.DataFrame,
    topic_params: Mapping,
    config: Mapping,
    figures: Mapping[str, str | Path],
    evaluation: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    centroids: Mapping[int, Sequence[float]] | None = None,
    compress_abstracts_over: int = COMPRESS_ABSTRACTS_OVER,
) -> dict:
    """Everything the report template shows, as plain Python values.

    Args:
        papers: ``papers.csv``.
        topics: ``topics.csv``.
        themes: ``themes.csv``.
        by_listing: ``themes_by_listing.csv``.
        listings: One row per listing (date, counts, skipped).
        warnings: Parse warnings (``file, line, message``).
        topic_params: Resolved topic-model parameters.
        config: The validated run configuration.
        figures: SVG file per figure name, inlined into the page.
        evaluation: ``evaluation.csv`` when hand labels are configured.
        changes: ``changes.csv`` (``kind, subject, detail, n``): what changed since the last
            run; a "What changed" block is shown when it has rows.
        centroids: Mean embedding per topic id (rows of ``centroids.npy`` keyed by the topic
            ids of ``topics.json``), for the topic-similarity heatmap.
        compress_abstracts_over: With more papers than this, the abstracts are inlined
            gzip-compressed (the page unpacks them); fewer travel as plain JSON.

    Returns:
        The template context.
    """
    configured, settings = themes_from_config(config)
    definitions = {theme.key: theme for theme in configured}
    theme_keys = themes["theme"].tolist()
    theme_index = {key: i for i, key in enumerate(theme_keys)}
    colours = theme_colours(theme_keys)
    # papers.csv written before borderline themes existed has no such columns
    missing = {c: "" for c in ("borderline_themes", "borderline_evidence") if c not in papers}
    if missing:
        papers = papers.assign(**missing)
    members = papers["themes"].map(_split)
    near = papers["borderline_themes"].map(_split)
    member_of = theme_membership(papers["themes"], theme_keys)
    near_of = theme_membership(papers["borderline_themes"], theme_keys)
    theme_labels = dict(zip(theme_keys, themes["label"], strict=True))
    # papers of each theme (columns) in each topic (rows)
    per_topic = (
        pd.DataFrame(member_of, columns=theme_keys).groupby(papers["topic"].to_numpy()).sum()
    )
    topic_labels = {
        int(t): str(lab) for t, lab in zip(topics["topic"], topics["label"], strict=True)
    }
    topic_sizes = {int(t): int(s) for t, s in zip(topics["topic"], topics["size"], strict=True)}
    listing_sizes = {
        str(name): int(n) for name, n in zip(listings["listing"], listings["n_papers"], strict=True)
    }
    similarity = (
        topic_similarity(centroids, topic_labels, topic_sizes) if centroids is not None else None
    )

    theme_sections = []
    for row in themes.itertuples(index=False):
        inside = member_of[:, theme_index[row.theme]]
        ranked = papers[inside].sort_values(f"score_{row.theme}", ascending=False, kind="stable")
        texts = paper_texts(ranked["title"], ranked["abstract"])
        n_papers = int(row.n_papers)
        term_counts = [
            (term, count, round(100 * count / max(n_papers, 1)))
            for term in _split(row.top_terms, ", ")
            for count in [term_papers(texts, term)]
        ]
        owned = set(topics.loc[topics["theme"] == row.theme, "topic"].astype(int))
        related = [
            {
                "topic": int(topic),
                "label": topic_labels.get(int(topic), ""),
                "size": topic_sizes.get(int(topic), 0),
                "n": int(count),
                "owned": int(topic) in owned,
            }
            for topic, count in per_topic[row.theme].items()
            if int(topic) != -1 and count > 0
        ]
        related.sort(key=lambda t: (not t["owned"], -t["n"], t["topic"]))
        theme = definitions.get(row.theme)  # None for a theme no longer in the config
        nearly = near_of[:, theme_index[row.theme]]
        borderline = papers[nearly].sort_values(
            f"score_{row.theme}", ascending=False, kind="stable"
        )
        theme_sections.append(
            {
                "key": row.theme,
                "label": row.label,
                "description": theme.description if theme else "",
                "keywords": list(theme.keywords) if theme else [],
                "n_papers": n_papers,
                "top_terms": term_counts,
                "colour": colours[row.theme],
                "topics": related[:N_RELATED_TOPICS],
                "trend": _trend(by_listing, listing_sizes, row.theme),
                "papers": [
                    _listed_paper(p, row.theme, p.theme_evidence)
                    | {"abstract": p.abstract, "sources": _split(p.sources)}
                    for p in ranked.head(N_REPRESENTATIVE).itertuples(index=False)
                ],
                "n_borderline": int(nearly.sum()),
                "borderline": [
                    _listed_paper(p, row.theme, p.borderline_evidence)
                    for p in borderline.head(N_BORDERLINE).itertuples(index=False)
                ],
            }
        )

    if similarity:
        owner = dict(zip(topics["topic"].astype(int), topics["theme"], strict=True))
        for t in similarity["topics"]:
            t["colour"] = colours.get(owner.get(t["topic"], ""), "")
            t["theme_label"] = theme_labels.get(owner.get(t["topic"], ""), "")
    other_topics = (
        topics[(topics["theme"] == "") & (topics["topic"] != -1)]
        .sort_values(["size", "topic"], ascending=[False, True], kind="stable")
        .to_dict("records")
    )
    for topic in other_topics:
        # the theme papers a topic holds, though fewer than half its papers are in any theme
        held = per_topic.loc[topic["topic"]] if topic["topic"] in per_topic.index else {}
        topic["in_themes"] = [
            {"label": theme_labels[key], "colour": colours[key], "n": int(held[key])}
            for key in sorted(held.keys(), key=lambda k: -held[k])
            if held[key] > 0
        ]
        topic["titles"] = _split(topic["representative_titles"], " | ")
        topic["nearest"] = [
            dict(n, label=topic_labels.get(n["topic"], ""))
            for n in (similarity["nearest"].get(int(topic["topic"]), []) if similarity else [])
        ]
    dated = listings[listings["listing_date"] != ""]
    skipped = listings[listings["skipped"] != ""]
    n_entries = int(listings["n_papers"].sum())
    eval_rows = eval_view = None
    if evaluation is not None:  # numbers; NaN, and None in the rows, where a cell is empty
        evaluation = evaluation.assign(value=pd.to_numeric(evaluation["value"], errors="coerce"))
        values = evaluation["value"].astype(object)
        eval_rows = evaluation.assign(value=values.where(values.notna(), None)).to_dict("records")
        eval_view = _evaluation_view(evaluation, themes)

    listing_names = [str(name) for name in listings["listing"]]
    listing_index = {name: i for i, name in enumerate(listing_names)}
    listing_dates = {
        str(name): str(date)
        for name, date in zip(listings["listing"], listings["listing_date"], strict=True)
    }
    sources = []
    for value in papers["sources"]:
        idx = []
        for name in _split(value):
            if name not in listing_index:
                listing_index[name] = len(listing_names)
                listing_names.append(name)
            idx.append(listing_index[name])
        sources.append(idx)
    score_columns = [f"score_{key}" for key in theme_keys]
    scores = np.nan_to_num(papers[score_columns].to_numpy(dtype=float)) if len(theme_keys) else None
    abstracts = papers["abstract"].astype(str).tolist()
    packed = None
    if len(abstracts) > compress_abstracts_over:
        raw = json.dumps(abstracts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        packed = base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")
        abstracts = None
    data = {
        "abstractsGzip": packed,
        "themes": [
            {"key": key, "label": label, "colour": colours[key], "text": text_colour(colours[key])}
            for key, label in zip(theme_keys, themes["label"], strict=True)
        ],
        "noTheme": NO_THEME,
        "topics": [
            [int(t), str(lab), int(s)]
            for t, lab, s in zip(topics["topic"], topics["label"], topics["size"], strict=True)
        ],
        "listings": listing_names,
        "listingDates": [listing_dates.get(name, "") for name in listing_names],
        "papers": {
            "id": papers["paper_id"].astype(str).tolist(),
            "title": papers["title"].astype(str).tolist(),
            "abstract": abstracts,
            "date": papers["first_listed"].astype(str).tolist(),
            "sources": sources,
            "themes": [[theme_index[k] for k in held if k in theme_index] for held in members],
            "primary": [theme_index.get(k, -1) for k in papers["primary_theme"]],
            "topic": [int(t) for t in papers["topic"]],
            # 1: an outlier of the clustering assigned to a topic afterwards; 2: placed on a
            # rerun without a refit; 0: clustered (or no topic)
            "topicBy": [
                TOPIC_BY_CODES.get(str(how), 0)
                for how in papers.get("topic_by", pd.Series("cluster", index=papers.index))
            ],
            "evidence": _scored_evidence(members, papers["theme_evidence"], scores, theme_index),
            "borderline": _scored_evidence(
                near, papers["borderline_evidence"], scores, theme_index
            ),
            "x": papers["x"].astype(float).fillna(0.0).round(3).tolist(),
            "y": papers["y"].astype(float).fillna(0.0).round(3).tolist(),
        },
    }
    figure_svgs = {}
    big_figures = []
    for name, path in figures.items():
        if Path(path).stat().st_size <= MAX_INLINE_FIGURE:
            figure_svgs[name] = _svg_body(path, name, name.replace("_", " ").capitalize())
        else:
            big_figures.append(name)

    return {
        "generated": dt.date.today().isoformat(),
        "summary": {
            "n_papers": len(papers),
            "n_entries": n_entries,
            "n_merged": n_entries - len(papers),
            "n_listings": len(listings) - len(skipped),
            "n_themes": len(themes),
            "n_themed": int((papers["themes"] != "").sum()),
            "n_topics": int((topics["topic"] != -1).sum()),
            "n_outliers": int((papers["topic"] == -1).sum()),
            "first_date": dated["listing_date"].min() if len(dated) else "",
            "last_date": dated["listing_date"].max() if len(dated) else "",
            "date_sources": sorted(set(dated["date_source"])),
        },
        "problems": _problems(listings, warnings),
        "changes": _changes(changes),
        # by date, undated (and skipped) ones last, as the reader follows them in time
        "listings": listings.assign(_undated=listings["listing_date"] == "")
        .sort_values(["_undated", "listing_date", "listing"], kind="stable")
        .drop(columns="_undated")
        .to_dict("records"),
        "themes": theme_sections,
        "theme_labels": theme_labels,
        "thresholds": {"member": settings.threshold, "borderline": settings.review_threshold},
        "theme_peak": max([t["n_papers"] for t in theme_sections] + [1]),
        "other_topics": other_topics,
        "max_topic_rows": MAX_TOPIC_ROWS,
        "similarity": similarity,
        "topics": topics.to_dict("records"),
        "figures": figure_svgs,
        "big_figures": big_figures,
        "config": config,
        "config_yaml": _yaml(config),
        "topic_params": dict(topic_params),
        "versions": package_versions(),
        "evaluation": eval_rows,
        "evaluation_view": eval_view,
        "data_json": json_for_script(data),
    }


def _evaluation_view(evaluation: pd.DataFrame, themes: pd.DataFrame) -> dict:
    """F1 per method and theme (macro-F1 last), the labels' counts and the topic measures
    (``evaluation.value`` numeric, NaN where not measured)."""
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    counted = {
        (r.metric, r.scope): int(r.value)
        for r in evaluation.itertuples(index=False)
        if r.method == "labels"
    }
    f1 = evaluation[evaluation["metric"].isin(["f1", "macro_f1"])]
    methods = list(dict.fromkeys(f1["method"]))
    value = {(r.method, r.scope): float(r.value) for r in f1.itertuples(index=False)}
    # a method scores precision for the themes it assigns papers to (evaluate.theme_scores)
    assigning = set(evaluation.loc[evaluation["metric"] == "precision", "method"])
    rows = [
        {
            "method": method,
            "values": [value.get((method, key)) for key in labels],
            "macro": value.get((method, "macro")),
            "assigned_none": method not in assigning,
        }
        for method in methods
    ]
    names = {
        "npmi": "NPMI coherence of the topics' top-10 words (−1 to 1; 0: as often together as "
        "by chance, counted in this corpus's abstracts)",
        "topic_diversity": "Topic diversity: unique share of the top-10 words",
        "stability_ari": "Stability: adjusted Rand index of topic assignments",
    }
    measures = [
        {"name": names[r.metric], "scope": r.scope, "value": float(r.value)}
        for r in evaluation.itertuples(index=False)
        if r.metric in names and not np.isnan(r.value)  # an empty cell: not measured
    ]
    recall = {
        (r.method, r.scope): float(r.value)
        for r in evaluation.itertuples(index=False)
        if r.metric == "macro_recall"
    }
    with_borderline = recall.get((BORDERLINE_METHOD, "macro"))
    support = [counted.get(("support", key)) for key in labels]
    return {
        "themes": list(labels.values()),
        "support": support if any(n is not None for n in support) else None,
        "n_papers": counted.get(("n_papers", "labelled")),
        "n_unmatched": counted.get(("n_unmatched", "labelled"), 0),
        "rows": rows,
        # evaluate leaves the zero-shot rows out when BERTopic could not be fitted
        "zero_shot": any(method.startswith(ZERO_SHOT_METHOD) for method in methods),
        "measures": measures,
        "recall": None
        if with_borderline is None
        else {"members": recall.get(("papertopics", "macro")), "with_borderline": with_borderline},
    }


def _yaml(config: Mapping) -> str:
    import yaml

    return yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True, width=100)


def render_report(context: Mapping, template: str | Path) -> str:
    """Render the report template with autoescaping on (every input string is escaped).

    The template's folder also holds ``report.css`` and ``report.js``; both are inlined, and
    the page's Content-Security-Policy allows that one script by its SHA-256 hash and nothing
    from the network.

    Args:
        context: Output of :func:`report_context`.
        template: Path of the Jinja2 HTML template.

    Returns:
        The HTML page.
    """
    import jinja2
    from markupsafe import Markup

    template = Path(template)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["slug"] = lambda text: re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    # counts as the paper table's script writes them: 74,728
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    script = (template.parent / "report.js").read_text("utf-8")
    style = (template.parent / "report.css").read_text("utf-8")
    for name, text in (("report.js", script), ("report.css", style)):
        if re.search(r"</(script|style)", text, re.IGNORECASE):
            raise ValueError(f"{name} must not contain a closing </script> or </style> tag")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    context = dict(context)
    # Figures come from our own matplotlib files; the data is JSON made script-safe.
    context["figures"] = {name: Markup(svg) for name, svg in context["figures"].items()}
    context["data_json"] = Markup(context["data_json"])
    context["inline_script"] = Markup(script)
    context["inline_style"] = Markup(style)
    context["script_hash"] = f"sha256-{digest}"
    return env.get_template(template.name).render(**context)
