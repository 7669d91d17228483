"""The output tables."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from papertopics.listings import Paper
from papertopics.tables import (
    BY_LISTING_COLUMNS,
    OVER_TIME_COLUMNS,
    PAPER_COLUMNS,
    THEME_COLUMNS,
    TOPIC_COLUMNS,
    papers_table,
    theme_table_from_result,
    theme_terms,
    themes_by_listing_table,
    themes_over_time_table,
    themes_table,
    topics_table,
)
from papertopics.topics import TopicSettings, class_terms

KEYS = ["fed", "moe"]
DEFS = [{"key": "fed", "label": "Federated"}, {"key": "moe", "label": "Mixture of experts"}]


def build():
    papers = [
        Paper(
            "p1", "Federated averaging", "clients aggregate updates federated", ["a"], "2024-03-11"
        ),
        Paper("p2", "Sparse experts", "a router sends tokens to experts", ["a", "b"], "2024-03-11"),
        Paper(
            "p3", "Federated experts", "federated clients and experts router", ["b"], "2024-03-17"
        ),
        Paper("p4", "Image captions", "we caption images", ["b"], "2024-03-17"),
    ]
    result = SimpleNamespace(
        scores=pd.DataFrame({"fed": [0.9, 0.3, 0.8, 0.0], "moe": [0.1, 0.95, 0.6, 0.0]}),
        assigned=pd.DataFrame(
            {"fed": [True, False, True, False], "moe": [False, True, True, False]}
        ),
        borderline=pd.DataFrame(
            {"fed": [False, True, False, False], "moe": [False, False, False, False]}
        ),
        evidence=pd.DataFrame(
            {
                "fed": ["terms: federated", "terms: none", "terms: federated", ""],
                "moe": ["", "terms: experts", "terms: router", ""],
            }
        ),
    )
    themes = theme_table_from_result([p.paper_id for p in papers], result, KEYS)
    assignments = pd.DataFrame(
        {
            "paper_id": ["p4", "p3", "p2", "p1"],
            "topic": [1, 0, 0, 0],
            "topic_by": ["cluster", "cluster", "nearest", "cluster"],
            "x": [4.0, 3.0, 2.0, 1.0],
            "y": [0.0] * 4,
        }
    )
    info = pd.DataFrame(
        {
            "topic": [0, 1],
            "label": ["federated, experts", "captions"],
            "top_terms": [["federated", "experts"], ["captions"]],
            "representatives": [[2, 0, 1], [3]],
        }
    )
    return papers, papers_table(papers, themes, assignments, info, KEYS), info


def test_papers_table_contract():
    _, table, _ = build()
    assert list(table.columns[: len(PAPER_COLUMNS)]) == list(PAPER_COLUMNS)
    assert {"score_fed", "score_moe", "theme_evidence", "topic", "topic_label", "x", "y"} <= set(
        table.columns
    )
    row = table.set_index("paper_id").loc["p3"]
    assert row["themes"] == "fed;moe"
    assert row["primary_theme"] == "fed"  # highest score among assigned themes
    assert row["sources"] == "b"
    assert row["x"] == 3.0  # joined by paper id, not by position
    assert (
        "fed: terms: federated" in row["theme_evidence"]
        and "moe: terms: router" in row["theme_evidence"]
    )
    assert table.set_index("paper_id").loc["p4", "themes"] == ""
    assert table.set_index("paper_id").loc["p4", "primary_theme"] == ""
    # p2 scored 0.3 for fed: borderline, with its evidence kept apart from the members'
    by_id = table.set_index("paper_id")
    assert by_id["borderline_themes"].tolist() == ["", "fed", "", ""]
    assert by_id.loc["p2", "borderline_evidence"] == "fed: terms: none"
    assert by_id.loc["p2", "theme_evidence"] == "moe: terms: experts"
    assert by_id["topic_by"].tolist() == ["cluster", "nearest", "cluster", "cluster"]


def test_topics_count_the_papers_the_clustering_put_there():
    _, table, info = build()
    topics = topics_table(table, info, KEYS).set_index("topic")
    assert topics.loc[0, ["size", "n_clustered"]].tolist() == [3, 2]  # p2 came as an outlier
    assert topics.loc[1, ["size", "n_clustered"]].tolist() == [1, 1]


def test_papers_table_reads_a_theme_table_without_borderline_columns():
    papers, table, info = build()
    result = SimpleNamespace(
        scores=pd.DataFrame({"fed": [0.9, 0.3, 0.8, 0.0], "moe": [0.1, 0.95, 0.6, 0.0]}),
        assigned=pd.DataFrame({"fed": [1, 0, 1, 0], "moe": [0, 1, 1, 0]}).astype(bool),
        borderline=pd.DataFrame({"fed": [0, 1, 0, 0], "moe": [0, 0, 0, 0]}).astype(bool),
        evidence=pd.DataFrame({"fed": [""] * 4, "moe": [""] * 4}),
    )
    themes = theme_table_from_result([p.paper_id for p in papers], result, KEYS)
    old = themes.drop(columns=[f"borderline_{k}" for k in KEYS])  # written by an older version
    assignments = table[["paper_id", "topic", "x", "y"]]
    again = papers_table(papers, old, assignments, info, KEYS)
    assert again["borderline_themes"].tolist() == [""] * 4
    assert again["themes"].tolist() == table["themes"].tolist()


def test_topics_table_names_the_owning_theme():
    _, table, info = build()
    topics = topics_table(table, info, KEYS)
    assert list(topics.columns) == list(TOPIC_COLUMNS)
    first = topics.iloc[0]
    assert first["topic"] == 0 and first["size"] == 3
    assert first["theme"] in {"fed", "moe"}  # 2 of 3 papers hold each
    assert first["representative_titles"].startswith("Federated experts")
    assert topics.iloc[1]["theme"] == ""


def test_theme_terms_and_table():
    papers, table, _ = build()
    member = np.array([[k in m.split(";") for k in KEYS] for m in table["themes"]])
    terms = theme_terms(
        [f"{p.title}. {p.abstract}" for p in papers], member, TopicSettings(top_n_words=3)
    )
    fed_words = {"federated", "averaging", "clients", "aggregate", "updates", "experts", "router"}
    assert terms[0] and all(set(t.split()) <= fed_words for t in terms[0])
    assert not any("caption" in t for t in terms[0] + terms[1])  # the no-theme class
    themes = themes_table(table, DEFS, terms)
    assert list(themes.columns) == list(THEME_COLUMNS)
    assert themes["n_papers"].tolist() == [2, 2]
    assert themes["n_borderline"].tolist() == [1, 0]
    assert themes.loc[1, "representative_titles"].split(" | ")[0] == "Sparse experts"


def test_theme_terms_put_words_of_several_papers_before_one_papers_own():
    docs = [
        "federated clients share updates; FedZeta FedZeta FedZeta outperforms",
        "federated clients average updates",
        "federated clients protect updates",
        "clients of images and updates of images",
        "clients of video updates",
    ]
    member = np.array([[True], [True], [True], [False], [False]])
    settings = TopicSettings(top_n_words=3, ngram_range=(1, 1))
    # c-TF-IDF alone ranks one paper's repeated name and words beside terms all three share
    assert [w for w, _ in class_terms([" ".join(docs[:3]), " ".join(docs[3:])], settings)[0]] == [
        "federated",
        "fedzeta",
        "average",
    ]
    assert theme_terms(docs, member, settings) == [["federated", "clients", "updates"]]
    # a theme of one paper keeps its own words
    assert "fedzeta" in theme_terms(docs, np.array([[True]] + [[False]] * 4), settings)[0]


def test_themes_by_listing_counts_every_listing_and_zeros():
    _, table, _ = build()
    listings = pd.DataFrame({"listing": ["b", "a"], "listing_date": ["2024-03-17", "2024-03-11"]})
    counts = themes_by_listing_table(table, listings, KEYS)
    assert list(counts.columns) == list(BY_LISTING_COLUMNS)
    got = {(r.listing, r.theme): r.n_papers for r in counts.itertuples()}
    assert got == {("a", "fed"): 1, ("a", "moe"): 1, ("b", "fed"): 1, ("b", "moe"): 2}
    assert counts["listing"].tolist()[:2] == ["a", "a"]  # date order


def test_themes_over_time_counts_each_paper_once_per_date():
    _, table, _ = build()
    listings = pd.DataFrame({"listing": ["a", "b"], "listing_date": ["2024-03-11", "2024-03-11"]})
    over_time = themes_over_time_table(table, listings, KEYS)
    assert list(over_time.columns) == list(OVER_TIME_COLUMNS)
    row = over_time.set_index("theme").loc["moe"]
    assert row["n_papers"] == 2 and row["n_listed"] == 4  # p2 is in both listings, counted once
    assert row["share"] == 0.5


def test_themes_over_time_figure_takes_dates_of_any_precision():
    from papertopics.figures import plot_themes_over_time

    _, table, _ = build()
    listings = pd.DataFrame({"listing": ["a", "b"], "listing_date": ["2024", "2024-03-11"]})
    over_time = themes_over_time_table(table, listings, KEYS)
    themes = pd.DataFrame({"theme": KEYS, "label": ["Fed", "MoE"]})
    fig = plot_themes_over_time(over_time, themes, {"fed": "#000000", "moe": "#ff0000"})
    (line, *_) = fig.axes[0].get_lines()
    assert len(line.get_xdata()) == 2  # a year-only listing beside a dated one


def test_topics_table_owner_needs_half_the_papers_and_outliers_own_nothing():
    topics = [0, 0, 0, 0, 2, 2, 2, -1, -1, -1]
    themes = ["fed", "fed;moe", "fed", "", "moe", "", "", "fed", "fed", "fed"]
    papers = pd.DataFrame({"title": [f"t{i}" for i in range(10)], "themes": themes})
    papers["topic"] = topics
    info = pd.DataFrame(
        {
            "topic": [-1, 2, 0],
            "label": ["outliers", "two", "zero"],
            "top_terms": [["x"], ["y"], ["z"]],
            "representatives": [[7], [4], [0]],
        }
    )
    table = topics_table(papers, info, KEYS)
    # largest first; the outliers last although as large as topic 2
    assert table["topic"].tolist() == [0, 2, -1]
    owner = dict(zip(table["topic"], table["theme"], strict=True))
    assert owner[0] == "fed"  # 3 of 4 papers
    assert owner[2] == ""  # 1 of 3 papers in moe: under half
    assert owner[-1] == ""  # every outlier in fed, but the outliers are no topic
    assert topics_table(papers, info, KEYS, share=0.3).set_index("topic").loc[2, "theme"] == "moe"


def test_themes_over_time_share_is_of_each_days_papers():
    _, table, _ = build()
    listings = pd.DataFrame({"listing": ["a", "b"], "listing_date": ["2024-03-11", "2024-03-17"]})
    over_time = themes_over_time_table(table, listings, KEYS).set_index(["listing_date", "theme"])
    # listing a holds p1, p2 (fed: p1); listing b holds p2, p3, p4 (fed: p3)
    assert over_time.loc[("2024-03-11", "fed"), ["n_papers", "n_listed"]].tolist() == [1, 2]
    assert over_time.loc[("2024-03-11", "fed"), "share"] == 0.5
    assert over_time.loc[("2024-03-17", "fed"), "share"] == round(1 / 3, 4)


def test_themes_table_lists_representative_titles_highest_score_first():
    papers = pd.DataFrame(
        {
            "title": ["t0", "t1", "t2", "t3"],
            "themes": ["fed", "fed", "fed", ""],
            "score_fed": [0.6, 0.95, 0.7, 0.99],  # t3 scores high but is not a member
            "score_moe": [0.0] * 4,
        }
    )
    themes = themes_table(papers, DEFS, [["a"], ["b"]])
    assert themes.loc[0, "representative_titles"] == "t1 | t2 | t0"
    assert themes.loc[0, "n_papers"] == 3
    two = themes_table(papers, DEFS, [["a"], ["b"]], n_titles=2)
    assert two.loc[0, "representative_titles"] == "t1 | t2"


def test_a_topic_with_exactly_half_its_papers_in_a_theme_belongs_to_it():
    papers = pd.DataFrame(
        {"title": ["t0", "t1", "t2", "t3"], "themes": ["fed", "", "fed", "moe"], "topic": 0}
    )
    info = pd.DataFrame(
        {"topic": [0], "label": ["zero"], "top_terms": [["z"]], "representatives": [[0]]}
    )
    assert topics_table(papers, info, KEYS).loc[0, "theme"] == "fed"  # 2 of 4 papers
