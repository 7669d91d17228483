"""Figure helpers."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from papertopics.figures import (
    FEW_DATES,
    PALETTE,
    label_anchor,
    plot_paper_map,
    plot_themes_by_listing,
    plot_themes_over_time,
    text_colour,
)
from papertopics.listings import shorten


def test_label_anchor_sits_on_the_larger_part_of_a_split_group_not_between_them():
    rng = np.random.default_rng(0)
    small = rng.normal(0.0, 0.3, (10, 2))
    large = rng.normal(8.0, 0.3, (11, 2))
    points = np.vstack([small, large])
    bounds = (-1.0, 9.0, -1.0, 9.0)
    x, y = label_anchor(points[:, 0], points[:, 1], bounds)
    assert (x, y) in {tuple(p) for p in large}
    # two parts of ten: the median is empty space between them; the name goes on the
    # denser part
    dense = rng.normal(8.0, 0.05, (10, 2))
    halves = np.vstack([small, dense])
    assert 2.0 < np.median(halves[:, 0]) < 6.0
    x, y = label_anchor(halves[:, 0], halves[:, 1], bounds)
    assert (x, y) in {tuple(p) for p in dense}


def test_label_anchor_of_a_scattered_group_is_where_most_of_it_lies():
    # no two points share a patch of 3 x 3 cells: the name used to go on the lowest point;
    # five of seven lie in the upper left, within 7 cells of each other
    upper_left = [(1.0, 9.0), (2.0, 8.0), (3.0, 9.0), (1.0, 7.0), (3.0, 7.0)]
    low = [(8.0, 0.5), (5.0, 1.0)]
    points = np.array(low + upper_left)
    x, y = label_anchor(points[:, 0], points[:, 1], (0.0, 10.0, 0.0, 10.0))
    assert (x, y) in upper_left


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run report.js")
def test_the_report_map_writes_names_where_label_anchor_does():
    # report.js's anchor() is the same rule in JavaScript: run it under node on random groups
    js = (Path(__file__).parents[1] / "workflow" / "report" / "report.js").read_text()
    anchor = js[js.index("    const A = 24;") : js.index("    const themeAnchors")]
    rng = np.random.default_rng(1)
    groups = [
        rng.uniform(0, 10, (n, 2)) if k % 2 else rng.normal(rng.uniform(0, 10), 1.0, (n, 2))
        for k, n in enumerate(rng.integers(1, 30, 60))
    ]
    script = f"""
    const out = [];
    for (const points of {json.dumps([g.tolist() for g in groups])}) {{
      const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
      const minX = Math.min(...xs, 0), minY = Math.min(...ys, 0);
      const spanX = Math.max(...xs, 10) - minX, spanY = Math.max(...ys, 10) - minY;
{anchor}
      const a = anchor([...xs.keys()]);
      out.push([a.x, a.y]);
    }}
    console.log(JSON.stringify(out));
    """
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    for points, got in zip(groups, json.loads(run.stdout), strict=True):
        x, y = points[:, 0], points[:, 1]
        bounds = (min(x.min(), 0), max(x.max(), 10), min(y.min(), 0), max(y.max(), 10))
        assert list(label_anchor(x, y, bounds)) == got


def test_label_anchor_of_one_point_or_a_flat_map():
    assert label_anchor([3.0], [4.0], (0.0, 10.0, 0.0, 10.0)) == (3.0, 4.0)
    assert label_anchor([1.0, 1.0], [2.0, 2.0], (1.0, 1.0, 2.0, 2.0)) == (1.0, 2.0)


def over_time_figure(dates):
    """themes_over_time of one theme on ``dates``, drawn."""
    over_time = pd.DataFrame(
        {"listing_date": dates, "theme": "fl", "n_papers": 1, "n_listed": 4, "share": 0.25}
    )
    themes = pd.DataFrame({"theme": ["fl"], "label": ["Federated learning"]})
    fig = plot_themes_over_time(over_time, themes, {"fl": "#0072B2"})
    fig.canvas.draw()
    return fig


def test_themes_over_time_ticks_at_each_of_a_few_listing_dates():
    fig = over_time_figure(["2025-03-11", "2025-03-14", "2025-03-20", "2025-03-27"])
    ticks = [t.get_text() for t in fig.axes[0].xaxis.get_ticklabels()]
    assert ticks == ["Mar 11", "Mar 14", "Mar 20", "Mar 27"]  # no days without a listing
    assert fig.axes[0].get_xlabel() == "Listing date (2025)"
    assert fig.axes[0].get_title() == "Themes over time (4 listing dates)"
    assert not fig.axes[0].lines[0].get_clip_on()  # a share of 0 is not cut in half


def test_themes_over_time_names_the_month_of_its_days_and_the_year_apart():
    days = pd.date_range("2025-03-11", periods=FEW_DATES + 8, freq="2D")
    fig = over_time_figure([d.date().isoformat() for d in days])
    axis = fig.axes[0].xaxis
    ticks = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
    assert 2 < len(ticks) <= 10 and all(re.fullmatch(r"(Mar|Apr) \d\d", t) for t in ticks), ticks
    assert axis.get_major_formatter().get_offset() == ""
    assert fig.axes[0].get_xlabel() == "Listing date (2025)"


def test_themes_over_time_ticks_name_a_year_or_month_date_as_such_and_new_years():
    fig = over_time_figure(["2024", "2024-03", "2024-12-30", "2025-01-02"])
    ticks = [t.get_text() for t in fig.axes[0].xaxis.get_ticklabels()]
    assert ticks == ["2024", "Mar 2024", "Dec 30", "Jan 02\n2025"]


def test_themes_over_time_across_new_year_names_both_years():
    fig = over_time_figure(["2024-12-27", "2024-12-30", "2025-01-02", "2025-01-06"])
    assert fig.axes[0].xaxis.get_major_formatter().get_offset() == ""
    assert fig.axes[0].get_xlabel() == "Listing date (2024\u20132025)"


def test_themes_by_listing_names_long_listings_with_an_ellipsis():
    long = "papers-2025-03-11-machine-learning-daily"
    by_listing = pd.DataFrame(
        {"listing": [long, "b"], "listing_date": ["2025-03-11", "2025-03-12"], "theme": "fl"}
    ).assign(n_papers=[3, 1])
    themes = pd.DataFrame({"theme": ["fl"], "label": ["Federated learning"]})
    fig = plot_themes_by_listing(by_listing, themes, {"fl": "#0072B2"})
    names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert names[0] == "2025-03-11\n" + shorten(long, 24) and names[0].endswith("\u2026")
    assert names[1] == "2025-03-12\nb"


def test_shorten_cuts_with_an_ellipsis_on_one_line():
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("abcdef ghij", 8) == "abcdef\u2026"
    assert len(shorten("x" * 50, 24)) == 24


def test_paper_map_legend_counts_every_paper_of_a_theme():
    papers = pd.DataFrame(
        {
            "x": [0.0, 1.0, 2.0, 3.0],
            "y": [0.0, 1.0, 0.0, 1.0],
            "themes": ["fl;cl", "fl", "cl;fl", ""],
            "primary_theme": ["fl", "fl", "fl", ""],
        }
    )
    themes = pd.DataFrame({"theme": ["fl", "cl", "moe"], "label": ["FL", "CL", "MoE"]})
    fig = plot_paper_map(papers, themes, {"fl": "#0072B2", "cl": "#E69F00", "moe": "#009E73"})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    # CL colours no point (its papers' top theme is FL) but is listed with its 2 papers
    assert legend == ["No theme (1)", "FL (3)", "CL (2)"]


def test_text_colour_darkens_light_theme_colours_to_a_readable_contrast():
    from matplotlib.colors import to_rgb

    def contrast(colour):
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)
        ]
        return 1.05 / (0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] + 0.05)

    assert contrast("#E69F00") < 2.5  # the orange of the palette, too light as text
    for colour in PALETTE:
        assert contrast(text_colour(colour)) >= 4.5
    assert text_colour("#0072B2") == "#0072b2"  # dark enough already: unchanged
    # the same hue, darker: channels keep their proportions
    r, g, b = to_rgb(text_colour("#E69F00"))
    assert r > g > b == 0 and abs(g / r - 0x9F / 0xE6) < 0.01
