"""Evaluation measures."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from papertopics.evaluate import (
    BORDERLINE_METHOD,
    _theme_rows,
    evaluation_table,
    label_matrix,
    label_rows,
    load_labels,
    metric_rows,
    npmi_coherence,
    stability_ari,
    top_words,
    topic_diversity,
)
from papertopics.listings import paper_id


def test_seed_labels_cover_every_seed_paper_once(root, config):
    labels = load_labels(
        root / "tests" / "data" / "seed_labels.csv", config["themes"]["definitions"]
    )
    assert len(labels) == 165
    assert labels["paper_id"].is_unique
    keys = {"federated_learning", "distillation", "moe", "continual_learning", "tool_use"}
    used = {k for cell in labels["themes"] for k in cell.split(";") if k}
    assert used == keys


def test_label_matrix_aligns_by_title_identity():
    labels = pd.DataFrame({"title": ["A Study.", "B"], "themes": ["x;y", ""]})
    labels["paper_id"] = labels["title"].map(paper_id)
    labelled, truth = label_matrix(
        [paper_id("a study"), paper_id("C"), paper_id("b")], labels, ["x", "y"]
    )
    assert labelled.tolist() == [True, False, True]
    assert truth.tolist() == [[True, True], [False, False]]


def test_label_rows_count_labelled_unmatched_and_per_theme():
    labels = pd.DataFrame({"title": ["A Study.", "B", "Gone"], "themes": ["x;y", "", "x"]})
    labels["paper_id"] = labels["title"].map(paper_id)
    rows = label_rows(labels, [paper_id("a study"), paper_id("C"), paper_id("b")], ["x", "y", "z"])
    assert {(r["metric"], r["scope"]): r["value"] for r in rows} == {
        ("n_papers", "labelled"): 2,
        ("n_unmatched", "labelled"): 1,
        ("support", "x"): 1,
        ("support", "y"): 1,
        ("support", "z"): 0,
    }
    assert {r["method"] for r in rows} == {"labels"}


def test_top_words_split_bigrams_and_dedupe():
    assert top_words(["continual learning", "continual", "forgetting"], n=3) == [
        "continual",
        "learning",
        "forgetting",
    ]


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]]) == 0.5


def test_stability_ari():
    assert stability_ari([[0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1]]) == pytest.approx(1.0)
    assert stability_ari([[0, 0, 1, 1], [0, 1, 0, 1]]) < 0.1


def test_npmi_rewards_words_that_occur_together():
    docs = ["apple banana fruit"] * 20 + ["engine wheel car"] * 20
    coherent = npmi_coherence([["apple", "banana"], ["engine", "wheel"]], docs)
    mixed = npmi_coherence([["apple", "engine"], ["banana", "wheel"]], docs)
    assert coherent > 0.9
    assert mixed < 0
    assert np.isnan(npmi_coherence([["unknownword", "another"]], docs))


def test_metric_rows_long_format():
    metrics = pd.DataFrame(
        {"precision": [1.0, 0.5], "recall": [0.5, 0.5], "f1": [0.667, 0.5]}, index=["x", "macro"]
    )
    rows = metric_rows("m", metrics)
    assert {"method": "m", "metric": "macro_f1", "scope": "macro", "value": 0.5} in rows
    assert {"method": "m", "metric": "f1", "scope": "x", "value": 0.667} in rows


def test_evaluation_without_a_labelled_paper_holds_the_counts_only(config):
    papers = pd.DataFrame({"paper_id": [paper_id("A")], "title": ["A"], "abstract": ["x"]})
    labels = pd.DataFrame({"title": ["B", "C"], "themes": ["moe", ""], "line": [2, 3]})
    labels["paper_id"] = labels["title"].map(paper_id)
    table = evaluation_table(papers, np.zeros((1, 4)), pd.DataFrame(), labels, config)
    assert set(table["method"]) == {"labels"}  # no model loaded, no topics refitted
    counted = table.set_index(["metric", "scope"])["value"]
    assert counted["n_papers", "labelled"] == 0 and counted["n_unmatched", "labelled"] == 2


def test_evaluation_csv_writes_counts_as_integers_beside_measures(config, monkeypatch):
    papers = pd.DataFrame({"paper_id": [paper_id("A")], "title": ["A"], "abstract": ["x"]})
    labels = pd.DataFrame({"title": ["A"], "themes": ["moe"], "line": [2]})
    labels["paper_id"] = labels["title"].map(paper_id)
    measure = {"method": "papertopics", "metric": "macro_f1", "scope": "macro", "value": 0.8125}
    monkeypatch.setattr("papertopics.evaluate._theme_rows", lambda *a: [measure])
    monkeypatch.setattr("papertopics.evaluate._topic_rows", lambda *a: [])
    table = evaluation_table(papers, np.zeros((1, 4)), pd.DataFrame(), labels, config)
    text = table.to_csv(index=False)
    assert "labels,n_papers,labelled,1\n" in text and "papertopics,macro_f1,macro,0.8125\n" in text


def test_metric_rows_name_the_macro_precision_and_recall():
    metrics = pd.DataFrame(
        {"precision": [1.0, 0.75], "recall": [0.5, 0.25], "f1": [0.667, 0.375]},
        index=["x", "macro"],
    )
    names = {(r["metric"], r["scope"]) for r in metric_rows("m", metrics)}
    assert names == {
        ("precision", "x"),
        ("recall", "x"),
        ("f1", "x"),
        ("macro_precision", "macro"),
        ("macro_recall", "macro"),
        ("macro_f1", "macro"),
    }


def test_topic_diversity_counts_each_topics_top_n_words_only():
    topics = [["a", "b", "c"], ["a", "d", "e"]]
    assert topic_diversity(topics, n=1) == 0.5  # "a" and "a"
    assert topic_diversity(topics, n=3) == pytest.approx(5 / 6)


def test_theme_rows_score_members_and_borderline_papers_of_the_labelled_papers(config, monkeypatch):
    keys = [d["key"] for d in config["themes"]["definitions"]]
    k = keys.index("moe")
    monkeypatch.setattr(
        "papertopics.evaluate.zero_shot_baseline",
        lambda docs, *a, **kw: np.zeros((len(docs), len(keys)), dtype=bool),
    )
    monkeypatch.setattr("papertopics.embed.Embedder", lambda settings: SimpleNamespace(model=None))
    papers = pd.DataFrame(
        {
            "title": ["A", "D", "B", "C"],
            "abstract": ["x"] * 4,
            "themes": ["moe", "moe", "", ""],
            "borderline_themes": ["", "", "moe", ""],
        }
    )
    labelled = np.array([True, False, True, True])  # D is not labelled: not counted
    truth = np.zeros((3, len(keys)), dtype=bool)
    truth[[0, 1], k] = True  # A and B are MoE papers, C is not
    rows = _theme_rows(papers, np.zeros((4, 4)), truth, labelled, config)
    got = {(r["method"], r["metric"], r["scope"]): r["value"] for r in rows}
    assert got["papertopics", "precision", "moe"] == 1.0  # A; D left out
    assert got["papertopics", "recall", "moe"] == 0.5
    assert got[BORDERLINE_METHOD, "recall", "moe"] == 1.0  # B is borderline
    assert (BORDERLINE_METHOD, "precision", "moe") not in got
