"""The HTML report in a real browser: headless Chromium driven by Playwright.

A small report is built from synthetic tables (with hostile titles, labels and file names) and
opened from disk. The tests check that it runs without console errors and without any network
request, that the map draws, hovers, zooms and opens entries, that the table searches, filters,
sorts and pages, and that hostile input shows as text and runs nothing.

Chromium comes from Debian (``apt-get install chromium chromium-driver``; ``.ci/run`` does it).
Without it these tests fail under CI (``CI=true``) and are skipped elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from papertopics.report import render_report, report_context

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PAPERTOPICS_CHROMIUM", "/usr/bin/chromium")
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
N = 130
SCRIPT_TITLE = '<script>alert("t")</script>'
IMG_TITLE = '"><img src=x onerror=alert(1)>'
FLAG_ABSTRACT = '<img src=x onerror="window.__pwned=1;alert(2)"> and quantum data'
THEME_LABEL = "Federated <learning>"
TOPIC_LABEL = "<i>lab</i>"
LISTING = 'day2<img src=x onerror="window.__pwned=1">'
WORDS = ["federated", "experts", "graphs", "robots"]


def _tables() -> dict:
    """Synthetic output tables of a run over N papers, three topics and two themes."""
    rng = np.random.default_rng(7)
    topic = np.array([i % 4 - 1 for i in range(N)])  # -1, 0, 1, 2
    centre = np.array([[0.0, 0.0], [-6.0, 4.0], [6.0, 4.0], [0.0, -6.0]])
    xy = centre[topic + 1] + rng.normal(0, 1.0, size=(N, 2))
    themes_of = {0: ["fed"], 1: ["moe"], 2: [], -1: []}
    rows = []
    for i in range(N):
        held = list(themes_of[int(topic[i])])
        if i % 13 == 0 and int(topic[i]) == 0:
            held.append("moe")
        title = f"Paper {i:03d} on {WORDS[i % 4]} systems"
        abstract = f"We study {WORDS[(i + 1) % 4]} models in setting {i}."
        if i % 40 == 0:
            abstract += " It uses quantum data."
        if i == 5:
            title = SCRIPT_TITLE
        if i == 9:
            title = IMG_TITLE
        if i == 13:
            abstract = FLAG_ABSTRACT
        scores = {"fed": 0.9 if "fed" in held else 0.1, "moe": 0.8 if "moe" in held else 0.2}
        near = int(topic[i]) == 2 and i % 3 == 0  # nearly mixture of experts
        if near:
            scores["moe"] = 0.3
        rows.append(
            {
                "paper_id": f"p{i:03d}",
                "title": title,
                "abstract": abstract,
                "sources": "day1" if i < 100 else f"day1;{LISTING}",
                "first_listed": "2024-03-11" if i < 100 else "2024-03-17",
                "themes": ";".join(held),
                "primary_theme": held[0] if held else "",
                "score_fed": scores["fed"],
                "score_moe": scores["moe"],
                "theme_evidence": " || ".join(
                    f'{k}: terms: {k}; sentence: "<b>bold</b> {k}"' for k in held
                ),
                "borderline_themes": "moe" if near else "",
                "borderline_evidence": 'moe: terms: expert; sentence: "<i>nearly</i>"'
                if near
                else "",
                "topic": int(topic[i]),
                "topic_label": "",
                "topic_by": "nearest" if i == 13 else "cluster",
                "x": float(xy[i, 0]),
                "y": float(xy[i, 1]),
            }
        )
    papers = pd.DataFrame(rows)
    topics = pd.DataFrame(
        {
            "topic": [-1, 0, 1, 2],
            "label": ["outliers", TOPIC_LABEL, "experts, routing", "graphs, robots"],
            "size": [int((topic == t).sum()) for t in (-1, 0, 1, 2)],
            "top_terms": ["", "federated, clients", "experts, routing", "graphs, robots"],
            "theme": ["", "fed", "moe", ""],
            "representative_titles": ["", SCRIPT_TITLE, "Paper 002", "Paper 003 | " + IMG_TITLE],
        }
    )
    themes = pd.DataFrame(
        {
            "theme": ["fed", "moe"],
            "label": [THEME_LABEL, "Mixture of experts"],
            "n_papers": [int(papers["themes"].str.contains(k).sum()) for k in ("fed", "moe")],
            "top_terms": ["federated, systems", "experts, systems"],
            "representative_titles": ["", ""],
        }
    )
    by_listing = pd.DataFrame(
        {
            "listing": ["day1", "day1", LISTING, LISTING],
            "listing_date": ["2024-03-11", "2024-03-11", "2024-03-17", "2024-03-17"],
            "theme": ["fed", "moe", "fed", "moe"],
            "n_papers": [25, 27, 8, 7],
        }
    )
    listings = pd.DataFrame(
        {
            "listing": ["day1", LISTING, "bad<x>"],
            "listing_date": ["2024-03-11", "2024-03-17", ""],
            "date_source": ["config", "config", "none"],
            "n_papers": [N, 30, 0],
            "n_duplicates": [0, 30, 0],
            "n_warnings": [1, 0, 1],
            "skipped": ["", "", "the file is <empty>"],
        }
    )
    warnings = pd.DataFrame(
        {
            "file": ["day1.txt", "bad<x>.txt"],
            "line": [12, 0],
            "message": [
                "title without an abstract was skipped: '<svg onload=alert(3)>'",
                "file skipped: the file is <empty>",
            ],
        }
    )
    changes = pd.DataFrame(
        {
            "kind": ["listing_added", "new_papers", "new_topic"],
            "subject": [LISTING, "all", "2"],
            "detail": ["", "papers not in the previous run", "<u>graphs</u>, robots"],
            "n": [30, 30, 33],
        }
    )
    centroids = {t: rng.normal(size=16) for t in (-1, 0, 1, 2)}
    return {
        "papers": papers,
        "topics": topics,
        "themes": themes,
        "by_listing": by_listing,
        "listings": listings,
        "warnings": warnings,
        "changes": changes,
        "centroids": centroids,
    }


@pytest.fixture(scope="module")
def tables() -> dict:
    """The synthetic tables behind the test report."""
    return _tables()


def _render(tables: dict, folder: Path, **options) -> str:
    """Render the synthetic tables into ``folder``; return the report's file:// URL."""
    svg = folder / "figure.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text y="10">ok</text></svg>')
    config = {
        "embedding": {"model": "m", "max_seq_length": 256},
        "topics": {"outliers": "reassign"},
        "themes": {
            "definitions": [
                {"key": "fed", "label": THEME_LABEL, "description": "Clients <train> together."},
                {"key": "moe", "label": "Mixture of experts", "description": "Routed experts."},
            ]
        },
    }
    context = report_context(
        **tables,
        topic_params={
            "umap_n_components": 5,
            "umap_n_neighbors": 10,
            "seed": 42,
            "min_cluster_size": 5,
            "min_samples": 2,
            "n_outliers_before": 1,
        },
        config=config,
        figures={"theme_sizes": svg, "paper_map": svg},
        **options,
    )
    path = folder / "report.html"
    path.write_text(render_report(context, ROOT / "workflow" / "report" / "report.html.j2"))
    return path.as_uri()


@pytest.fixture(scope="module")
def report_url(tables, tmp_path_factory) -> str:
    """file:// URL of a report rendered from the synthetic tables."""
    return _render(tables, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def packed_url(tables, tmp_path_factory) -> str:
    """The same report with its abstracts gzip-packed, as large reports have them."""
    return _render(tables, tmp_path_factory.mktemp("packed"), compress_abstracts_over=0)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the Debian build), one per test module."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        message = (
            f"Chromium not found at {CHROMIUM}: the browser tests need the Debian packages "
            "chromium and chromium-driver (apt-get install -y chromium chromium-driver; "
            ".ci/run installs them)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.lock
        pytest.fail("playwright is not installed: make install (requirements.lock pins it)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A loaded report page and what it reported: console errors, dialogs, requests."""

    def __init__(self, page, url: str):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))
        page.goto(url)
        page.wait_for_function("document.documentElement.dataset.ready === 'true'")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        """Evaluate a JavaScript expression in the page."""
        return self.page.evaluate(expression, arg)

    def paper_point(self, paper_id: str) -> tuple[float, float]:
        """Viewport coordinates of a paper on the map (scrolled into view)."""
        self.page.locator("#map").scroll_into_view_if_needed()
        box = self.page.locator("#map").bounding_box()
        pos = self.js(
            "id => window.papertopics.map.position(window.papertopics.paperIndex(id))", paper_id
        )
        return box["x"] + pos["x"], box["y"] + pos["y"]

    def status(self) -> str:
        return self.page.inner_text("#table-status")

    def titles(self) -> list[str]:
        return self.page.locator("#paper-rows tr.paper button.row-toggle").all_inner_texts()


@pytest.fixture
def page(browser, report_url):
    """A fresh page with the report; after the test: no console error, no dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    loaded = Page(context.new_page(), report_url)
    yield loaded
    loaded.page.wait_for_timeout(50)
    assert loaded.errors == [], loaded.errors
    assert loaded.dialogs == [], f"a dialog fired: {loaded.dialogs}"
    context.close()


def test_loads_offline_without_errors(page, report_url):
    assert page.js("document.title").startswith("papertopics")
    # nothing but the file itself is fetched: no CDN, no font, no image
    assert page.requests == [report_url]
    assert page.js("typeof window.papertopics.map.position") == "function"


def test_map_draws_every_paper(page, tables):
    assert int(page.page.get_attribute("#map", "data-drawn")) == N
    coloured = page.js(
        """() => { const c = document.getElementById('map');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let k = 0; k < d.length; k += 4)
          if (d[k] < 235 || d[k + 1] < 235 || d[k + 2] < 235) n++;
        return n; }"""
    )
    assert coloured > 500
    # the papers of the first theme are drawn in its colour (Okabe-Ito blue #0072B2)
    page.page.locator("#map").scroll_into_view_if_needed()
    ids = tables["papers"].loc[tables["papers"]["primary_theme"] == "fed", "paper_id"].tolist()
    blue = page.js(
        """ids => { const c = document.getElementById('map'), r = devicePixelRatio;
        const ctx = c.getContext('2d'), pt = window.papertopics;
        return ids.filter(id => { const p = pt.map.position(pt.paperIndex(id));
          const [R, G, B] = ctx.getImageData(p.x * r, p.y * r, 1, 1).data;
          return R < 60 && Math.abs(G - 0x72) < 40 && Math.abs(B - 0xB2) < 40; }).length; }""",
        ids,
    )
    assert blue >= 0.8 * len(ids)


def test_hover_shows_title_themes_and_topic(page):
    page.page.mouse.move(*page.paper_point("p013"))
    tip = page.page.locator("#tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "Paper 013 on experts systems" in text
    assert f"Themes: {THEME_LABEL}, Mixture of experts" in text
    assert f"Topic #0 {TOPIC_LABEL}" in text
    page.page.mouse.move(1, 1)
    tip.wait_for(state="hidden")


def test_click_opens_the_papers_entry(page):
    # p121 sits on the third page of the table; clicking its point brings it up, expanded
    page.page.mouse.click(*page.paper_point("p121"))
    row = page.page.locator("#paper-p121")
    row.wait_for(state="visible")
    assert row.locator("button.row-toggle").get_attribute("aria-expanded") == "true"
    detail = page.page.locator("#detail-p121")
    assert "We study graphs models in setting 121." in detail.inner_text()
    assert "page 3 of 3" in page.page.inner_text("#page-info")
    assert page.js("document.activeElement.closest('tr').id") == "paper-p121"


def test_zoom_and_pan_move_the_points(page):
    x0, _ = page.paper_point("p002")
    box = page.page.locator("#map").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.move(*centre)
    page.page.mouse.wheel(0, -400)  # zoom in around the cursor
    page.page.wait_for_timeout(100)
    x1, y1 = page.paper_point("p002")
    assert abs(x1 - centre[0]) > abs(x0 - centre[0]) * 1.5
    page.page.mouse.move(*centre)
    page.page.mouse.down()
    page.page.mouse.move(centre[0] + 80, centre[1] + 30, steps=5)
    page.page.mouse.up()
    x2, y2 = page.paper_point("p002")
    assert x2 - x1 == pytest.approx(80, abs=2) and y2 - y1 == pytest.approx(30, abs=2)
    page.page.click("#map-reset")
    x3, _ = page.paper_point("p002")
    assert x3 == pytest.approx(x0, abs=1)


def test_a_narrower_window_keeps_the_whole_map_in_view(page, tables):
    """Turning a phone or narrowing the window fits the map again (it kept the old scale)."""

    def outside() -> int:
        return page.js(
            """ids => { const c = document.getElementById('map'), pt = window.papertopics;
            return ids.filter(id => { const p = pt.map.position(pt.paperIndex(id));
              const w = c.clientWidth, h = c.clientHeight;
              return p.x < 0 || p.y < 0 || p.x > w || p.y > h; }).length; }""",
            tables["papers"]["paper_id"].tolist(),
        )

    assert outside() == 0
    page.page.set_viewport_size({"width": 375, "height": 800})
    page.page.wait_for_timeout(200)
    assert outside() == 0


def test_map_search_highlights_matching_papers(page):
    page.page.fill("#map-search", "quantum")
    page.page.wait_for_function("document.getElementById('map-count').textContent !== ''")
    assert page.page.inner_text("#map-count") == f"5 of {N} match"  # 4 by design + p013
    page.page.press("#map-search", "Enter")  # lists them in the table
    page.page.wait_for_function("document.getElementById('table-search').value === 'quantum'")
    assert page.status() == f"Showing 1–5 of 5 papers (filtered from {N})"


def test_table_search_filters_and_marks(page):
    assert page.status() == f"Showing 1–50 of {N} papers"
    page.page.fill("#table-search", "quantum data")
    page.page.wait_for_function(
        "document.getElementById('table-status').textContent.includes('filtered')"
    )
    assert page.status() == f"Showing 1–5 of 5 papers (filtered from {N})"
    assert len(page.titles()) == 5
    page.page.locator("#paper-rows button.row-toggle").first.click()
    assert page.page.locator("#paper-rows tr.detail mark").count() >= 2
    for query, n in (('"data quantum"', 0), ('"uses quantum"', 4), ('quantum "uses', 4)):
        page.page.fill("#table-search", query)  # a quoted phrase is one term
        page.page.wait_for_function(
            "([q, n]) => document.getElementById('table-search').value === q &&"
            " document.querySelectorAll('#paper-rows tr.paper').length === n",
            arg=[query, n],
        )
    page.page.fill("#table-search", "no such words")
    page.page.wait_for_function(
        "document.getElementById('table-status').textContent.startsWith('No')"
    )
    assert page.page.locator("#paper-rows tr.paper").count() == 0


def test_table_filters_sort_and_pages(page, tables):
    papers = tables["papers"]
    page.page.select_option("#filter-theme", "1")  # themes by index: fed, moe
    n_moe = int(papers["themes"].str.contains("moe").sum())
    assert page.status() == f"Showing 1–{n_moe} of {n_moe} papers (filtered from {N})"
    page.page.click("#filter-clear")
    page.page.select_option("#filter-topic", "2")
    n_topic = int((papers["topic"] == 2).sum())
    assert page.status() == f"Showing 1–{n_topic} of {n_topic} papers (filtered from {N})"
    page.page.click("#filter-clear")
    # each listing is offered with its date (file names may say nothing: 000_4d976adc46f38506)
    page.page.select_option("#filter-listing", label=f"{LISTING} (2024-03-17)")
    assert page.status() == f"Showing 1–30 of 30 papers (filtered from {N})"
    page.page.click("#filter-clear")
    page.page.click("button[data-sort=title]")
    titles = page.titles()
    assert titles[0] == IMG_TITLE  # '"' sorts first
    assert page.page.get_attribute("th:has(button[data-sort=title])", "aria-sort") == "ascending"
    page.page.click("button[data-sort=title]")
    assert page.titles()[0] == "Paper 129 on experts systems"
    page.page.click("#pager button[data-page=next]")
    assert page.status() == f"Showing 51–100 of {N} papers"
    page.page.select_option("#page-size", "250")
    assert len(page.titles()) == N


def test_theme_and_topic_links_filter_the_table(page, tables):
    n_fed = int(tables["papers"]["themes"].str.contains("fed").sum())
    page.page.click("#theme-fed a.more")
    assert page.status() == f"Showing 1–{n_fed} of {n_fed} papers (filtered from {N})"
    page.page.click("#theme-fed .topic-chips a[data-topic='0']")
    assert page.page.input_value("#filter-topic") == "0"
    page.page.click("#theme-fed ol.reps summary")  # open the first representative paper
    page.page.click("#theme-fed ol.reps a[data-paper]")  # "show in the table"
    assert page.page.locator("#paper-rows tr.detail").count() == 1


def test_borderline_papers_are_listed_and_filter_the_table(page, tables):
    n_near = int((tables["papers"]["borderline_themes"] == "moe").sum())
    assert n_near > 10  # more than the section lists
    page.page.click("#theme-moe details.borderline summary")
    assert page.page.locator("#theme-moe details.borderline li").count() == 10
    page.page.click("#theme-moe details.borderline a.more")
    assert page.page.input_value("#filter-theme") == "b1"
    assert page.status() == f"Showing 1–{n_near} of {n_near} papers (filtered from {N})"
    page.page.locator("#paper-rows tr.paper button.row-toggle").first.click()
    detail = page.page.inner_text("#paper-rows tr.detail")
    assert "Borderline, not counted: Mixture of experts (score 0.30)" in detail
    assert '"<i>nearly</i>"' in detail  # shown as text
    page.page.click("#filter-clear")
    assert page.status() == f"Showing 1–50 of {N} papers"


def test_hostile_input_shows_as_text_and_runs_nothing(page):
    # the table: both hostile titles are plain text, no element was injected
    page.page.fill("#table-search", "alert")
    page.page.wait_for_function(
        "document.getElementById('table-status').textContent.includes('filtered')"
    )
    titles = page.titles()
    assert SCRIPT_TITLE in titles and IMG_TITLE in titles
    page.page.click("#filter-clear")
    page.page.fill("#table-search", "pwned")
    page.page.wait_for_function("document.querySelectorAll('#paper-rows tr.paper').length === 1")
    page.page.locator("#paper-rows button.row-toggle").first.click()
    assert FLAG_ABSTRACT in page.page.inner_text("#detail-p013")
    assert (
        "(an outlier of the clustering, assigned to this topic afterwards)"
        in page.page.inner_text("#detail-p013")
    )
    # the tooltip and the theme section show them as text too
    page.page.mouse.move(*page.paper_point("p009"))
    page.page.locator("#tip").wait_for(state="visible")
    assert IMG_TITLE in page.page.inner_text("#tip")
    assert IMG_TITLE in page.page.inner_text("#topics")
    assert THEME_LABEL in page.page.inner_text("#theme-fed h2")
    assert LISTING in page.page.inner_text("#changes")
    assert "<svg onload=alert(3)>" in page.page.inner_text("#problems")
    assert "bad<x>.txt: the file is <empty>" in page.page.inner_text("#problems")
    # nothing ran: no dialog (checked by the fixture), no flag, no injected element
    page.page.wait_for_timeout(200)
    assert page.js("window.__pwned") is None
    assert page.js("document.querySelectorAll('img, svg[onload], main script, u').length") == 0
    injected = """[...document.querySelectorAll('i, b')].filter(
        e => e.textContent === 'lab' || e.textContent === 'bold').length"""
    assert page.js(injected) == 0
    assert page.js("document.querySelectorAll('script').length") == 2


def test_deep_link_opens_a_paper(browser, report_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    loaded = Page(context.new_page(), report_url + "#paper-p077")
    row = loaded.page.locator("#paper-p077")
    row.wait_for(state="visible")
    assert loaded.page.locator("#detail-p077").is_visible()
    assert loaded.errors == []
    context.close()


def test_packed_abstracts_are_unpacked_and_searchable(browser, packed_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    loaded = Page(context.new_page(), packed_url)
    loaded.page.fill("#table-search", "quantum data")
    loaded.page.wait_for_function(
        "document.getElementById('table-status').textContent.includes('filtered')"
    )
    assert loaded.status() == f"Showing 1–5 of 5 papers (filtered from {N})"
    loaded.page.fill("#table-search", "pwned")
    loaded.page.wait_for_function("document.querySelectorAll('#paper-rows tr.paper').length === 1")
    loaded.page.locator("#paper-rows button.row-toggle").first.click()
    assert FLAG_ABSTRACT in loaded.page.inner_text("#detail-p013")
    assert loaded.js("window.__pwned") is None
    assert loaded.errors == [] and loaded.dialogs == []
    context.close()


def test_without_javascript_no_dead_control_shows(browser, report_url):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(report_url)
    for selector in ("#map-search", "#map", "#table-search", "#paper-table", "#pager"):
        assert not page.locator(selector).is_visible(), selector
    # links that fill the table are hidden with it; a topic's name still leads to #papers
    for link in page.locator("a[data-paper], a[data-theme]").all():
        assert not link.is_visible()
    assert page.locator("a[data-paper]").count() > 0
    assert page.locator("noscript").count() == 2
    assert page.locator("#figures").is_visible()
    context.close()


def test_a_phone_wide_window_scrolls_only_inside_wide_tables(browser, report_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    loaded = Page(context.new_page(), report_url)
    assert loaded.js("document.documentElement.scrollWidth") <= 375
    assert loaded.page.locator("#paper-table").is_visible()
    # the paper table keeps readable columns and scrolls inside its own box
    wrapper = "document.querySelector('.table-scroll')"
    assert loaded.js(f"{wrapper}.scrollWidth > {wrapper}.clientWidth")
    assert loaded.errors == []
    context.close()
