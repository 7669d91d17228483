"""Figures of the themed map, drawn with matplotlib (PNG and SVG, colour-blind-safe palette)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from papertopics.embed import paper_texts
from papertopics.listings import shorten
from papertopics.tables import theme_membership

__all__ = [
    "FEW_DATES",
    "PALETTE",
    "label_anchor",
    "plot_paper_map",
    "plot_theme_sizes",
    "plot_theme_terms",
    "plot_themes_by_listing",
    "plot_themes_over_time",
    "save",
    "term_papers",
    "text_colour",
    "theme_colours",
]

#: Okabe & Ito's colour-blind-safe palette (without black and yellow, which read badly as
#: points), with Tol's wine and olive; sky blue last, as it is hard to tell from the first blue.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#882255", "#999933", "#56B4E9")
NO_THEME = "#BBBBBB"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 11,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "papertopics",
            "svg.fonttype": "none",
        }
    )
    return plt


def theme_colours(keys: Sequence[str]) -> dict[str, str]:
    """A fixed colour per theme key, in config order."""
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def text_colour(colour: str, contrast: float = 4.5) -> str:
    """``colour`` (``#RRGGBB``) darkened until text in it reads on white (WCAG contrast ratio
    ``contrast``).

    The theme colours suit points and bars; as text several are too light (orange
    ``#E69F00`` has a contrast of 2.2 on white). Colours dark enough already are returned
    as they are.
    """

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    # "#RRGGBB", as the palette's (no matplotlib import for this: the report job is light)
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    shade = rgb
    for factor in np.arange(1.0, 0.0, -0.05):
        shade = rgb * factor
        if 1.05 / (luminance(shade) + 0.05) >= contrast:
            break
    return "#" + "".join(f"{round(c * 255):02x}" for c in shade)


def save(figure, stem: str | Path) -> list[Path]:
    """Save a figure as ``stem.png`` and ``stem.svg`` without time stamps (byte-stable files)."""
    plt = _pyplot()
    paths = []
    for ext, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        path = Path(f"{stem}.{ext}")
        figure.savefig(path, dpi=150, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    plt.close(figure)
    return paths


def plot_theme_sizes(themes: pd.DataFrame, n_papers: int, colours: dict[str, str]):
    """Horizontal bars: papers per theme, with the count and share written on each bar."""
    plt = _pyplot()
    data = themes.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(data) + 1.6))
    bars = ax.barh(data["label"], data["n_papers"], color=[colours[k] for k in data["theme"]])
    for bar, count in zip(bars, data["n_papers"], strict=True):
        share = 100 * count / max(n_papers, 1)
        ax.annotate(
            f"{count} ({share:.0f}%)",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
        )
    ax.set_xlabel("Papers in the theme (a paper may be in several)")
    ax.set_title(f"Theme sizes ({n_papers} papers)")
    ax.set_xlim(0, max(1, data["n_papers"].max()) * 1.25)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 papers
    fig.tight_layout()
    return fig


def label_anchor(
    x: Sequence[float],
    y: Sequence[float],
    bounds: tuple[float, float, float, float],
    bins: int = 24,
) -> tuple[float, float]:
    """Where on the map to write a group's name: on its point nearest its densest patch.

    The map is cut into ``bins`` x ``bins`` cells; each cell with a point of the group counts
    the group's points in it and its eight neighbours, and the name goes on the group's point
    nearest the middle of the fullest cell.  Ties go to the cell with more points within 3,
    then 7 cells (so a scattered group is named where most of it lies, not at its lowest
    point), then to the first in row order.  A median would fall between the parts of a group
    that lies in two places.  The report's map (``report.js``) does the same.

    Args:
        x: The group's map coordinates, first dimension.
        y: The same, second dimension.
        bounds: ``(min_x, max_x, min_y, max_y)`` of the whole map.
        bins: Cells per side.

    Returns:
        The chosen point's coordinates.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    min_x, max_x, min_y, max_y = bounds
    span_x, span_y = (max_x - min_x) or 1.0, (max_y - min_y) or 1.0
    col = np.minimum(bins - 1, ((x - min_x) / span_x * bins).astype(int))
    row = np.minimum(bins - 1, ((y - min_y) / span_y * bins).astype(int))
    counts = np.zeros((bins, bins))
    np.add.at(counts, (row, col), 1)

    def patch(r: int) -> np.ndarray:  # points within r cells, per cell
        padded = np.pad(counts, r)
        width = 2 * r + 1
        return sum(padded[i : i + bins, j : j + bins] for i in range(width) for j in range(width))

    near1, near3, near7 = patch(1).ravel(), patch(3).ravel(), patch(7).ravel()
    best = max(np.flatnonzero(counts), key=lambda c: (near1[c], near3[c], near7[c], -c))
    mid_x = min_x + (best % bins + 0.5) * span_x / bins
    mid_y = min_y + (best // bins + 0.5) * span_y / bins
    near = int(np.argmin((x - mid_x) ** 2 + (y - mid_y) ** 2))
    return float(x[near]), float(y[near])


def plot_paper_map(papers: pd.DataFrame, themes: pd.DataFrame, colours: dict[str, str]):
    """The 2-D paper map coloured by primary theme, with each theme's name on its densest patch."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 7.5))
    none = papers["primary_theme"] == ""
    size = 14 if len(papers) < 2000 else max(1.0, 14 * 2000 / len(papers))
    ax.scatter(
        papers.loc[none, "x"],
        papers.loc[none, "y"],
        s=size,
        c=NO_THEME,
        alpha=0.6,
        linewidths=0,
        label=f"No theme ({int(none.sum())})",
    )
    import matplotlib.patheffects as effects

    bounds = (papers["x"].min(), papers["x"].max(), papers["y"].min(), papers["y"].max())
    # the legend counts a theme's papers, as themes.csv and the report do; a paper in
    # several themes takes the colour of its top one
    members = theme_membership(papers["themes"], themes["theme"].tolist()).sum(axis=0)
    for row, n_members in zip(themes.itertuples(index=False), members, strict=True):
        inside = papers["primary_theme"] == row.theme
        if not n_members:
            continue
        ax.scatter(
            papers.loc[inside, "x"],
            papers.loc[inside, "y"],
            s=size * 1.8,
            c=colours[row.theme],
            alpha=0.9,
            linewidths=0.3,
            edgecolors="white",
            label=f"{row.label} ({int(n_members)})",
        )
        if not inside.any():  # every paper of the theme has another top theme
            continue
        cx, cy = label_anchor(papers.loc[inside, "x"], papers.loc[inside, "y"], bounds)
        # just above the anchor paper, not on it: a small theme's points stay visible
        ax.annotate(
            row.label,
            (cx, cy),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=12,
            fontweight="bold",
            color=text_colour(colours[row.theme]),
            path_effects=[effects.withStroke(linewidth=3, foreground="white", alpha=0.75)],
        )
    ax.set_xlabel("Map dimension 1 (UMAP)")
    ax.set_ylabel("Map dimension 2 (UMAP)")
    ax.set_title("Paper map: similar papers lie close together")
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="Theme (papers)\npoints take their\ntop theme's colour",
    )
    fig.tight_layout()
    return fig


def term_papers(texts: Sequence[str], term: str) -> int:
    """How many of ``texts`` use ``term`` (case-insensitive, words may be joined by hyphens)."""
    pattern = re.compile(r"\b" + r"[\s-]+".join(map(re.escape, term.split())) + r"\b", re.I)
    return sum(bool(pattern.search(text)) for text in texts)


def plot_theme_terms(
    papers: pd.DataFrame, themes: pd.DataFrame, colours: dict[str, str], n: int = 10
):
    """One panel per theme: its top c-TF-IDF terms (as many as themes.csv and the report
    list) and how many of its papers use each."""
    plt = _pyplot()
    k = len(themes)
    cols = min(3, k)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.7 * rows), squeeze=False)
    from matplotlib.ticker import MaxNLocator

    texts = np.array(paper_texts(papers["title"], papers["abstract"]))
    member = theme_membership(papers["themes"], themes["theme"].tolist())
    for j, (ax, row) in enumerate(zip(axes.flat, themes.itertuples(index=False), strict=False)):
        terms = [t for t in str(row.top_terms).split(", ") if t][:n][::-1]
        inside = member[:, j]
        counts = [term_papers(texts[inside], term) for term in terms]
        ax.barh(terms, counts, color=colours[row.theme])
        ax.set_title(f"{row.label} ({row.n_papers})", color=text_colour(colours[row.theme]))
        ax.set_xlabel("Papers using the term")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 papers
        if not terms:
            ax.text(0.5, 0.5, "no papers", ha="center", va="center", transform=ax.transAxes)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    fig.suptitle("Top terms per theme, in c-TF-IDF order", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_themes_by_listing(by_listing: pd.DataFrame, themes: pd.DataFrame, colours: dict[str, str]):
    """Papers per theme in each listing, listings in date order."""
    plt = _pyplot()
    pivot = by_listing.pivot_table(
        index=["listing_date", "listing"],
        columns="theme",
        values="n_papers",
        aggfunc="sum",
        sort=True,
    ).fillna(0)
    keys = [k for k in themes["theme"] if k in pivot.columns]
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    x = np.arange(len(pivot))
    fig, ax = plt.subplots(figsize=(max(7, 0.5 * len(pivot) + 4), 4.8))
    names = [f"{date or '?'}\n{shorten(listing, 24)}" for date, listing in pivot.index]
    if len(pivot) <= 12:
        width = 0.8 / max(1, len(keys))
        for i, key in enumerate(keys):
            ax.bar(
                x + (i - (len(keys) - 1) / 2) * width,
                pivot[key],
                width,
                color=colours[key],
                label=labels[key],
            )
        ax.set_xticks(x, names, fontsize=9, rotation=30, ha="right", rotation_mode="anchor")
    else:
        for key in keys:
            ax.plot(x, pivot[key], marker="o", ms=3, color=colours[key], label=labels[key])
        step = max(1, len(pivot) // 12)
        ax.set_xticks(x[::step], [d for d, _ in pivot.index][::step], rotation=45, ha="right")
    ax.set_xlabel("Listing (date)")
    ax.set_ylabel("Papers")
    ax.set_title("Theme counts per listing")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


#: Up to this many listing dates, the time axis ticks exactly at them.
FEW_DATES = 12


def _date_ticks(dates: Sequence[str]) -> list[str]:
    """Tick labels of ISO dates in order: ``Mar 11``, the year under the first of each year
    when they span several; a date of a month (``2024-03``) or a year (``2024``) as such."""
    years = {date[:4] for date in dates}
    labels, seen = [], set()
    for date in dates:
        if len(date) == 4:
            label = date
        else:
            day = dt.date.fromisoformat(date if len(date) == 10 else f"{date}-01")
            label = day.strftime("%b %d" if len(date) == 10 else "%b %Y")
            if len(years) > 1 and date[:4] not in seen and len(date) == 10:
                label += f"\n{date[:4]}"
        seen.add(date[:4])
        labels.append(label)
    return labels


def plot_themes_over_time(over_time: pd.DataFrame, themes: pd.DataFrame, colours: dict[str, str]):
    """Share of each listing date's papers in each theme, as lines (markers for few dates)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.8))
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    ax.set_xlabel("Listing date")
    if over_time.empty:
        ax.text(0.5, 0.5, "No dated listings", ha="center", va="center", transform=ax.transAxes)
    else:
        import matplotlib.dates as mdates

        # a listing of year- or month-dated entries has a date like "2024" or "2024-03"
        dates = pd.to_datetime(over_time["listing_date"], format="ISO8601")
        for key in themes["theme"]:
            rows = over_time["theme"] == key
            ax.plot(
                dates[rows],
                100 * over_time.loc[rows, "share"],
                marker="o",
                ms=4,
                color=colours[key],
                label=labels[key],
                linewidth=1.8,
                clip_on=False,  # a share of 0 sits on the axis, not half under it
            )
        unique = (
            pd.DataFrame({"date": dates, "text": over_time["listing_date"].astype(str)})
            .drop_duplicates("date")
            .sort_values("date")
        )
        if len(unique) <= FEW_DATES:
            # ticks at the listings' own dates, not a daily axis with days no listing has
            ax.set_xticks(unique["date"], _date_ticks(unique["text"].tolist()))
            ax.tick_params(axis="x", labelrotation=30 if len(unique) > 6 else 0)
        else:
            locator = mdates.AutoDateLocator(maxticks=10)
            ax.xaxis.set_major_locator(locator)
            # day ticks read "Mar 11"; the years go in the axis label, from the data: the
            # formatter's offset names the last tick's month and year, which lie past the data
            formatter = mdates.ConciseDateFormatter(locator)
            formatter.formats[2] = formatter.zero_formats[2] = "%b %d"
            formatter.offset_formats = [""] * len(formatter.offset_formats)
            ax.xaxis.set_major_formatter(formatter)
        first, last = dates.dt.year.min(), dates.dt.year.max()
        ax.set_xlabel(
            f"Listing date ({first})" if first == last else f"Listing date ({first}\u2013{last})"
        )
    ax.set_ylabel("Share of the day's papers (%)")
    n_dates = over_time["listing_date"].nunique()
    ax.set_title(f"Themes over time ({n_dates} listing date{'s' if n_dates != 1 else ''})")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig
