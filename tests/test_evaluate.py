"""Evaluation measures."""

import copy
import json
import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from papertopics.embed import Embedder, EmbeddingSettings
from papertopics.evaluate import (
    BORDERLINE_METHOD,
    _fit_zero_shot,
    _theme_rows,
    _topic_rows,
    evaluation_table,
    fit_stability,
    label_matrix,
    label_rows,
    load_labels,
    metric_rows,
    npmi_coherence,
    stability_ari,
    top_words,
    topic_diversity,
    zero_shot_baseline,
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
        lambda docs, *a, min_similarities, **kw: (
            [np.zeros((len(docs), len(keys)), bool)] * len(min_similarities)
        ),
    )
    monkeypatch.setattr("papertopics.evaluate.Embedder", lambda settings, cache: None)
    papers = pd.DataFrame(
        {
            "paper_id": ["p1", "p2", "p3", "p4"],
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


@pytest.mark.parametrize(
    ("minimum", "fitted_on"), [(2, [0, 2, 3]), (4, [0, 2, 3, 4]), (6, [0, 1, 2, 3, 4])]
)
def test_zero_shot_baseline_is_fitted_on_the_labelled_papers_made_up_to_the_minimum(
    config, monkeypatch, caplog, minimum, fitted_on
):
    """Fewer labelled papers than the minimum: the others of lowest id make up the shortfall."""
    keys = [d["key"] for d in config["themes"]["definitions"]]
    k = keys.index("moe")
    seen = {}

    def zero_shot(docs, embeddings, *a, min_similarities, **kw):
        seen["docs"], seen["rows"] = docs, embeddings[:, 0].tolist()
        predicted = np.zeros((len(docs), len(keys)), bool)
        predicted[[d.startswith("A") for d in docs], k] = True  # A, a labelled MoE paper
        return [predicted] * len(min_similarities)

    monkeypatch.setattr("papertopics.evaluate.zero_shot_baseline", zero_shot)
    monkeypatch.setattr("papertopics.evaluate.Embedder", lambda settings, cache: None)
    monkeypatch.setattr("papertopics.evaluate.ZERO_SHOT_MIN_PAPERS", minimum)
    papers = pd.DataFrame(
        {
            "paper_id": ["p4", "p9", "p2", "p3", "p5"],  # E (p5) before D (p9)
            "title": ["A", "D", "B", "C", "E"],
            "abstract": ["x"] * 5,
            "themes": [""] * 5,
            "borderline_themes": [""] * 5,
        }
    )
    labelled = np.array([True, False, True, True, False])
    truth = np.zeros((3, len(keys)), dtype=bool)
    truth[[0, 1], k] = True
    embeddings = np.arange(5.0).reshape(5, 1) * np.ones((1, 3))
    with caplog.at_level(logging.INFO, logger="papertopics.evaluate"):
        rows = _theme_rows(papers, embeddings, truth, labelled, config)
    named = {2: "the 3 labelled papers", 4: "the 3 labelled papers and 1 other", 6: "all 5 papers"}
    assert f"zero-shot baseline on {named[minimum]}\n" in caplog.text
    assert [d.split(".")[0] for d in seen["docs"]] == [papers["title"][i] for i in fitted_on]
    assert seen["rows"] == fitted_on  # their own embeddings
    got = {(r["method"], r["metric"], r["scope"]): r["value"] for r in rows}
    method = "BERTopic zero-shot (min_similarity 0.7)"
    assert got[method, "precision", "moe"] == 1.0 and got[method, "recall", "moe"] == 0.5


@pytest.mark.parametrize("fails_on", [3, 4])
def test_a_zero_shot_fit_that_fails_falls_back_to_all_papers_then_to_no_rows(
    config, monkeypatch, caplog, fails_on
):
    keys = [d["key"] for d in config["themes"]["definitions"]]
    sizes = []

    def zero_shot(docs, embeddings, *a, min_similarities, **kw):
        sizes.append(len(docs))
        if len(docs) <= fails_on:  # as UMAP does on too few papers
            raise ValueError("k must be less than or equal to the number of training points")
        return [np.zeros((len(docs), len(keys)), bool)] * len(min_similarities)

    monkeypatch.setattr("papertopics.evaluate.zero_shot_baseline", zero_shot)
    monkeypatch.setattr("papertopics.evaluate.Embedder", lambda settings, cache: None)
    monkeypatch.setattr("papertopics.evaluate.ZERO_SHOT_MIN_PAPERS", 2)
    papers = pd.DataFrame(
        {"title": list("ADBC"), "abstract": ["x"] * 4, "themes": [""] * 4}
    ).assign(borderline_themes="")
    labelled = np.array([True, False, True, True])
    truth = np.zeros((3, len(keys)), dtype=bool)
    truth[0, 0] = True  # A: a measured theme
    rows = _theme_rows(papers, np.zeros((4, 3)), truth, labelled, config)
    assert sizes == [3, 4] and "BERTopic failed on the 3 labelled papers" in caplog.text
    zero_shot_rows = [r for r in rows if r["method"].startswith("BERTopic zero-shot")]
    if fails_on == 3:  # fitted on all four papers
        assert len(zero_shot_rows) > 0
    else:  # not measured; the other methods are
        assert "failed on all 4 papers" in caplog.text and not zero_shot_rows
        assert any(r["method"] == "keyword search" for r in rows)


def test_bertopic_zero_shot_puts_a_paper_in_a_named_topic_whatever_the_other_papers(config):
    """The premise of fitting the zero-shot baseline on the labelled papers alone."""
    rng = np.random.default_rng(5)
    names = ["Alpha", "Beta"]
    named = _unit(rng.normal(size=(2, 16)))
    # many papers about as similar to a name as the threshold, some on each side of it
    near = [_unit(named[j] + 0.25 * rng.normal(size=(60, 16))) for j in range(2)]
    vectors = np.vstack([*near, _unit(rng.normal(size=(80, 16)))])
    docs = [f"paper {i} on {['alpha', 'beta', 'gamma'][i % 3]}" for i in range(len(vectors))]
    best = (vectors @ named.T).max(axis=1)
    assert ((best > 0.6) & (best < 0.7)).any() and ((best >= 0.7) & (best < 0.8)).any()
    every = _fit_zero_shot(docs, vectors, names, named, 0.7, 1)
    some = np.sort(rng.choice(len(docs), 60, replace=False))
    alone = _fit_zero_shot([docs[i] for i in some], vectors[some], names, named, 0.7, 2)
    assert every.any() and (alone == every[some]).all()
    assert (every.any(axis=1) == (best >= 0.7)).all()


def test_zero_shot_names_its_topics_when_every_paper_matches_a_name(config):
    """BERTopic leaves the zero-shot topics unnamed when no paper is left to cluster."""
    rng = np.random.default_rng(5)
    names = ["Alpha", "Beta"]
    named = _unit(rng.normal(size=(2, 16)))
    near = np.vstack([_unit(named[j] + 0.1 * rng.normal(size=(30, 16))) for j in range(2)])
    closest = near @ named.T
    assert (closest.max(axis=1) >= 0.5).all()
    docs = [f"paper {i} on {['alpha', 'beta', 'gamma'][i % 3]}" for i in range(len(near))]
    alone = _fit_zero_shot(docs, near, names, named, 0.5, 1)
    assert (alone == (closest == closest.max(axis=1, keepdims=True))).all()
    # the same papers among others that match no name: the same predictions
    far = _unit(rng.normal(size=(80, 16)))
    far = far[(far @ named.T).max(axis=1) < 0.5]
    among = _fit_zero_shot(
        docs + [f"other {i}" for i in range(len(far))], np.vstack([near, far]), names, named, 0.5, 1
    )
    assert (among[: len(docs)] == alone).all() and not among[len(docs) :].any()


class _CountingFit:
    """Stands in for TopicModel in the stability refits: counts them; seed 3 splits differently."""

    fits = 0

    def __init__(self, settings):
        self.seed = settings.seed

    def fit(self, docs, embeddings, with_map=True):
        type(self).fits += 1
        topics = [i % 2 for i in range(len(docs))] if self.seed != 3 else [0] * len(docs)
        return SimpleNamespace(topics=topics)


@pytest.fixture
def counting_fit(monkeypatch):
    _CountingFit.fits = 0
    monkeypatch.setattr("papertopics.evaluate.TopicModel", _CountingFit)
    return _CountingFit


def test_stability_is_stored_by_fit_and_reused_where_new_papers_were_placed(
    config, tmp_path, counting_fit
):
    docs, vectors = ["a", "b", "c", "d"], np.zeros((4, 3))
    fitted = {"mode": "fit", "fit_id": "f1"}
    value, scope = fit_stability(docs, vectors, config, fitted, tmp_path)
    assert counting_fit.fits == 3 and scope == "seeds 1, 2, 3"
    assert value == pytest.approx(stability_ari([[0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 0, 0]]))
    stored = json.loads((tmp_path / "stability-f1.json").read_text())
    assert stored["n_papers"] == 4 and stored["seeds"] == [1, 2, 3]
    # a rerun that placed two new papers into those topics: the same fit, nothing refitted
    placed = {"mode": "incremental", "fit_id": "f1"}
    again = fit_stability([*docs, "e", "f"], np.zeros((6, 3)), config, placed, tmp_path)
    assert counting_fit.fits == 3
    assert again == (value, "seeds 1, 2, 3; the 4 papers of the last topic fit")
    # other seeds are another measurement: refitted on this run's papers, not stored
    other = copy.deepcopy(config)
    other["evaluation"]["stability_seeds"] = [1, 3]
    value, scope = fit_stability([*docs, "e", "f"], np.zeros((6, 3)), other, placed, tmp_path)
    assert counting_fit.fits == 5 and scope == "seeds 1, 3" and value < 0.5
    assert json.loads((tmp_path / "stability-f1.json").read_text()) == stored
    # a new fit (a refit, other settings) is measured and stored under its own id
    fit_stability(docs, vectors, config, {"mode": "fit", "fit_id": "f2"}, tmp_path)
    assert counting_fit.fits == 8 and (tmp_path / "stability-f2.json").is_file()


def test_stability_without_a_stored_fit_refits_this_runs_papers_and_stores_nothing(
    config, tmp_path, counting_fit
):
    docs, vectors = ["a", "b", "c"], np.zeros((3, 3))
    # placed papers but no stored measurement (evaluation switched on since the fit)
    placed = {"mode": "incremental", "fit_id": "f1"}
    assert fit_stability(docs, vectors, config, placed, tmp_path)[1] == "seeds 1, 2, 3"
    # topics of an older version (no fit_id), or no cache at all
    fit_stability(docs, vectors, config, {"mode": "fit"}, tmp_path)
    fit_stability(docs, vectors, config, {"mode": "fit", "fit_id": "f1"}, None)
    assert counting_fit.fits == 9 and not list(tmp_path.iterdir())


def test_an_unreadable_stored_stability_is_measured_again(config, tmp_path, counting_fit, caplog):
    (tmp_path / "stability-f1.json").write_text('{"seeds": [1, 2, 3], "value": ')
    with caplog.at_level(logging.WARNING, logger="papertopics.evaluate"):
        fit_stability(
            ["a", "b"], np.zeros((2, 3)), config, {"mode": "fit", "fit_id": "f1"}, tmp_path
        )
    assert counting_fit.fits == 3 and "unreadable" in caplog.text
    assert json.loads((tmp_path / "stability-f1.json").read_text())["n_papers"] == 2


def _unit(vectors):
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def test_zero_shot_baseline_puts_papers_near_a_theme_name_in_it_from_cached_names(
    config, tmp_path, monkeypatch
):
    embedder = Embedder(EmbeddingSettings.from_config(config["embedding"]), tmp_path)
    rng = np.random.default_rng(0)
    names = ["Alpha", "Beta"]
    named = _unit(rng.normal(size=(3, 16)))
    embedder.cache.add([*names, "Gamma"], named)
    # the names are cached: BERTopic embeds them without loading the model
    monkeypatch.setattr(Embedder, "_encode", lambda self, texts: pytest.fail("model loaded"))
    near = _unit(named[0] + 0.1 * rng.normal(size=(20, 16)))  # cosine about 0.9 with Alpha
    far = _unit(rng.normal(size=(40, 16)))
    docs = [f"paper {i}" for i in range(60)]
    vectors = np.vstack([near, far])
    cache = tmp_path / "evaluation"
    (predicted,) = zero_shot_baseline(docs, vectors, names, embedder, seed=1, cache_dir=cache)
    assert predicted.shape == (60, 2)
    assert predicted[:20, 0].all() and not predicted[20:, 0].any()
    assert not predicted[:, 1].any()
    # the same fits in two processes (a threshold at which no paper is near a name beside it)
    both = zero_shot_baseline(
        docs, vectors, names, embedder, min_similarities=(0.7, 0.99), seed=1, n_jobs=2
    )
    assert (both[0] == predicted).all() and not both[1].any()
    # the same papers and names again (a theme's keywords edited): stored, not fitted again
    fits = []

    def fit(*args):
        fits.append(args)
        return np.zeros((60, 2), bool)

    monkeypatch.setattr("papertopics.evaluate._fit_zero_shot", fit)
    (again,) = zero_shot_baseline(docs, vectors, names, embedder, seed=1, cache_dir=cache)
    assert (again == predicted).all() and not fits
    # another paper, threshold or name is another fit; a stored threshold beside a new one
    # is not fitted again
    zero_shot_baseline(docs, vectors[::-1], names, embedder, seed=1, cache_dir=cache)
    zero_shot_baseline(
        docs, vectors, names, embedder, min_similarities=(0.7, 0.5), seed=1, cache_dir=cache
    )
    zero_shot_baseline(docs, vectors, ["Alpha", "Gamma"], embedder, seed=1, cache_dir=cache)
    assert [args[4] for args in fits] == [0.7, 0.5, 0.7]
    # a stored file that cannot be read is fitted again, not an error
    for path in cache.glob("zero-shot-*.npy"):
        path.write_bytes(b"not numpy")
    zero_shot_baseline(docs, vectors, names, embedder, seed=1, cache_dir=cache)
    assert len(fits) == 4
    for path in cache.glob("zero-shot-*.npy"):
        path.write_bytes(b"")  # empty
    zero_shot_baseline(docs, vectors, names, embedder, seed=1, cache_dir=cache)
    assert len(fits) == 5


@pytest.mark.slow
def test_stability_refits_in_other_processes_measure_the_same(config):
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(3, 16))
    vectors = _unit(np.repeat(centres, 20, axis=0) + 0.6 * rng.normal(size=(60, 16)))
    docs = [f"{('alpha', 'beta', 'gamma')[i % 3]} paper {i}" for i in range(60)]
    quick = copy.deepcopy(config)
    quick["topics"]["ensemble"] = 4
    here = fit_stability(docs, vectors.astype(np.float32), quick)
    there = fit_stability(docs, vectors.astype(np.float32), quick, n_jobs=2)
    assert here == there
    assert 0 < here[0] <= 1


def test_without_a_topic_only_the_stability_is_measured(config, monkeypatch):
    """Every paper an outlier (a corpus of a few papers): no words to score, no empty cells."""
    monkeypatch.setattr("papertopics.evaluate.fit_stability", lambda *a: (1.0, "seeds 1, 2, 3"))
    papers = pd.DataFrame({"title": ["A", "B"], "abstract": ["One.", "Two."]})
    topics = pd.DataFrame({"topic": [-1], "top_terms": ["one, two"]})
    rows = _topic_rows(papers, np.zeros((2, 3)), topics, config, None, None)
    assert [(r["metric"], r["value"]) for r in rows] == [("stability_ari", 1.0)]


def test_a_label_key_matches_whole_keys_not_a_prefix_of_one():
    labels = pd.DataFrame({"title": ["Reward models"], "themes": ["rlhf"]})
    labels["paper_id"] = labels["title"].map(paper_id)
    labelled, truth = label_matrix([paper_id("Reward models")], labels, ["rl", "rlhf"])
    assert labelled.tolist() == [True]
    assert truth.tolist() == [[False, True]]
