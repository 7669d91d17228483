"""The HTML report: content and escaping of every input string."""

import pandas as pd

from papertopics.report import json_for_script, render_report, report_context

EVIL_TITLE = '<script>alert("t")</script>'
EVIL_ABSTRACT = '"><img src=x onerror=alert(1)>'


def context(tmp_path, evaluation=None):
    svg = tmp_path / "fig.svg"
    svg.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>'
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
    topics = pd.DataFrame(
        {
            "topic": [0, -1],
            "label": ["<i>lab</i>", "outliers"],
            "size": [1, 1],
            "top_terms": ["a, b", ""],
            "theme": ["fed", ""],
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
    warnings = pd.DataFrame({"file": ["bad<x>"], "line": [0], "message": ["file skipped: <empty>"]})
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
        topic_params={
            "umap_n_components": 5,
            "umap_n_neighbors": 10,
            "seed": 42,
            "min_cluster_size": 5,
            "min_samples": 2,
            "n_outliers_before": 1,
        },
        evaluation=evaluation,
    )


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


def test_report_shows_summary_themes_and_evaluation(tmp_path, root):
    evaluation = pd.DataFrame(
        {"method": ["papertopics"], "metric": ["macro_f1"], "scope": ["macro"], "value": [0.93]}
    )
    html = render_report(
        context(tmp_path, evaluation), root / "workflow" / "report" / "report.html.j2"
    )
    assert 'id="theme-fed"' in html and "Clients &lt;train&gt; together." in html
    assert 'id="evaluation"' in html and "0.930" in html
    assert "<svg" in html and "<?xml" not in html
    assert "https://" not in html.split("<script", 1)[1]  # no CDN: everything inline


def test_json_for_script_cannot_close_the_script():
    text = json_for_script({"t": "</script><script>alert(1)</script>&"})
    assert "</script>" not in text and "<" not in text and "&" not in text
