"""End to end: the real Snakefile on a small copy of the bundled listings, in a temporary folder."""

import json
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import snakemake as run_snakemake

from papertopics.listings import parse_listing
from papertopics.tables import TOPIC_COLUMNS

pytestmark = pytest.mark.slow
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n"
)


def write_listing(path: Path, date: str, papers) -> None:
    body = "\n\n".join(f"{p.title}\n\n{p.abstract}" for p in papers)
    path.write_text(f"{HEADER}{date}\n\n{body}\n", encoding="utf-8")


def snakemake(root: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, "--cores", "2", *args)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = Path(__file__).resolve().parent.parent
    work = tmp_path_factory.mktemp("workflow")
    seeds = sorted((root / "data" / "seeds").glob("*.txt"))
    a, b = (parse_listing(path, year=2024).papers for path in seeds)
    (work / "listings").mkdir()
    write_listing(work / "listings" / "day1.txt", "Mar 11", a[:24])
    write_listing(work / "listings" / "day2.txt", "Mar 17", b[:20] + a[:4])  # 4 duplicates
    (work / "listings" / "notes.md").write_text("not a listing\n")
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["input"]["listings_dir"] = "listings"
    config["input"]["year"] = 2024
    config["evaluation"]["labels"] = str(root / "tests" / "data" / "seed_labels.csv")
    # a theme of the user's own, which the labels and the built-in keyword search do not know
    config["themes"]["definitions"].append(
        {
            "key": "rag",
            "label": "Retrieval-augmented generation",
            "description": "A language model retrieves documents to ground what it generates.",
            "keywords": ["retrieval-augmented", "RAG", "retriever"],
        }
    )
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(root, work)
    assert result.returncode == 0, result.stderr[-4000:]
    return root, work, config


def test_output_contract(run):
    _, work, config = run
    keys = [t["key"] for t in config["themes"]["definitions"]]
    papers = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    assert len(papers) == 44
    assert papers["paper_id"].is_unique
    for column in [
        "paper_id",
        "title",
        "abstract",
        "sources",
        "first_listed",
        "themes",
        "primary_theme",
        "theme_evidence",
        "borderline_themes",
        "borderline_evidence",
        "topic",
        "topic_label",
        "topic_by",
        "x",
        "y",
    ]:
        assert column in papers.columns
    assert set(papers["topic_by"]) <= {"cluster", "nearest", "none"}  # a fit places nothing
    assert [c for c in papers.columns if c.startswith("score_")] == [f"score_{k}" for k in keys]
    shared = papers[papers["sources"] == "day1;day2"]
    assert len(shared) == 4 and set(shared["first_listed"]) == {"2024-03-11"}
    assigned = {k for cell in papers["themes"] for k in cell.split(";") if k}
    assert assigned <= set(keys)

    topics = pd.read_csv(work / "results/tables/topics.csv", keep_default_na=False)
    assert list(topics.columns) == list(TOPIC_COLUMNS)  # the contract results/README.md lists
    assert topics["size"].sum() == len(papers)
    assert topics["n_clustered"].sum() == (papers["topic_by"] == "cluster").sum()
    params = json.loads((work / "results/interim/topics/topics.json").read_text())["params"]
    reassigned = params["n_outliers_before"] - params["n_outliers_after"]
    assert (papers["topic_by"] == "nearest").sum() == reassigned > 0
    themes = pd.read_csv(work / "results/tables/themes.csv", keep_default_na=False)
    assert themes["theme"].tolist() == keys
    by_listing = pd.read_csv(work / "results/tables/themes_by_listing.csv", keep_default_na=False)
    assert set(by_listing["listing"]) == {"day1", "day2"} and len(by_listing) == 2 * len(keys)
    evaluation = pd.read_csv(work / "results/tables/evaluation.csv")
    assert {"papertopics", "keyword search"} <= set(evaluation["method"])
    assert {"macro_f1", "npmi", "topic_diversity", "stability_ari"} <= set(evaluation["metric"])
    counted = evaluation[evaluation["method"] == "labels"].set_index(["metric", "scope"])["value"]
    assert counted["n_papers", "labelled"] == 44 and counted["n_unmatched", "labelled"] == 121
    assert counted["support", "rag"] == 0 and counted["support", "federated_learning"] > 0
    scored = evaluation.set_index(["method", "metric", "scope"])["value"]
    # the labels do not know the theme (support 0): no measure of it, for any method
    measured = scored.drop("labels", level="method")
    assert not measured.index.isin(["rag"], level="scope").any()
    assert measured.index.isin(["distillation"], level="scope").any()
    for name in ("theme_sizes", "paper_map", "theme_terms", "themes_by_listing"):
        for ext in ("png", "svg"):
            assert (work / "results/figures" / f"{name}.{ext}").stat().st_size > 1000
    warnings = pd.read_csv(work / "results/tables/parse_warnings.csv", keep_default_na=False)
    assert warnings["file"].str.endswith("notes.md").any()  # named, not silently passed over
    html = (work / "results/report.html").read_text()
    assert all(f'id="theme-{k}"' in html for k in keys)
    assert "Other files in the listings folder, not read (1)" in html
    assert "44 machine-learning papers" in html


def test_every_rule_logged(run):
    _, work, _ = run
    logs = list((work / "logs").rglob("*.log"))
    names = {p.stem for p in logs}
    assert {
        "day1",
        "day2",
        "merge_papers",
        "parse_warnings",
        "embed",
        "embed_themes",
        "fit_topics",
        "assign_themes",
        "tables",
        "figures",
        "html_report",
        "evaluate",
    } <= names


def test_rerun_has_nothing_to_do(run):
    root, work, _ = run
    result = snakemake(root, work, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_a_deleted_warnings_table_is_made_again(run):
    # the end-of-run summary reads it: without it as a target, nothing would rebuild it
    root, work, _ = run
    table = work / "results/tables/parse_warnings.csv"
    kept, stat = table.read_bytes(), table.stat()
    table.unlink()
    try:
        dry = snakemake(root, work, "-n")
    finally:
        table.write_bytes(kept)
        os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as it was: no rerun later
    jobs = set(re.findall(r"^(?:local)?rule (\w+):", dry.stdout + dry.stderr, re.M))
    assert "parse_warnings" in jobs, (dry.stdout + dry.stderr)[-3000:]


def test_snakemake_report_and_lint(run):
    root, work, _ = run
    result = snakemake(root, work, "--report", "results/snakemake_report.html")
    assert result.returncode == 0, result.stderr[-4000:]
    report = (work / "results" / "snakemake_report.html").read_text(encoding="utf-8")
    for name in ("papers.csv", "themes.csv", "paper_map.svg", "report.html", "Tables", "Figures"):
        assert name in report, f"{name} is not in Snakemake's report"
    lint = snakemake(root, work, "--lint")
    assert lint.returncode == 0, lint.stderr[-4000:]
    assert "Congratulations, your workflow is in a good condition!" in lint.stdout + lint.stderr


def test_a_file_that_is_no_listing_reruns_only_the_warnings_and_the_report(run):
    root, work, _ = run
    note = work / "listings" / "README.md"  # beside the fixture's notes.md
    note.write_text("my reading notes\n")
    try:
        dry = snakemake(root, work, "-n")
    finally:
        note.unlink()
    jobs = set(re.findall(r"^(?:local)?rule (\w+):", dry.stdout + dry.stderr, re.M))
    assert jobs == {"parse_warnings", "html_report", "all"}, (dry.stdout + dry.stderr)[-3000:]


def test_adding_a_listing_embeds_only_its_papers_and_keeps_topics(run):
    root, work, _ = run
    before = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    stability = (
        pd.read_csv(work / "results/tables/evaluation.csv").set_index("metric").loc["stability_ari"]
    )
    seeds = sorted((root / "data" / "seeds").glob("*.txt"))
    fresh = parse_listing(seeds[1], year=2024).papers[30:35]
    new_ids = {p.paper_id for p in fresh} - set(before["paper_id"])
    assert new_ids  # some of them are already known (the seed listings overlap)
    write_listing(work / "listings" / "day3.txt", "Mar 18", fresh)
    result = snakemake(root, work)
    assert result.returncode == 0, result.stderr[-4000:]

    embed_log = (work / "logs" / "embed.log").read_text()
    # only the new papers were embedded; every other vector came from the cache
    assert f"embedding {len(new_ids)} new texts" in embed_log
    assert (
        not (work / "logs" / "parse" / "day1.log").stat().st_mtime
        > (work / "logs" / "parse" / "day3.log").stat().st_mtime
    )  # only the new listing was parsed again
    after = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    assert len(after) == len(before) + len(new_ids)
    old = after.set_index("paper_id").loc[before["paper_id"]]
    assert (old["topic"].to_numpy() == before["topic"].to_numpy()).all()
    assert (old["topic_by"].to_numpy() == before["topic_by"].to_numpy()).all()  # kept
    placed = after.set_index("paper_id").loc[sorted(new_ids), "topic_by"]
    assert set(placed) == {"placed"}  # too few to form a topic of their own
    same_themes = (old["themes"].to_numpy() == before["themes"].to_numpy()).mean()
    assert same_themes >= 0.95
    changes = pd.read_csv(work / "results/tables/changes.csv", keep_default_na=False)
    added = changes[changes["kind"] == "listing_added"]
    assert added["subject"].tolist() == ["day3"] and added["n"].tolist() == [5]
    assert changes.set_index(["kind", "subject"]).at[("new_papers", "all"), "n"] == len(new_ids)
    snapshot = json.loads((work / "results/history/snapshot.json").read_text())
    assert snapshot["params"]["mode"] == "incremental"  # what the next rerun counts on
    assert snapshot["params"]["n_placed_since_fit"] == len(new_ids)
    # the topics are the fit's: so is their stability, measured by the cold run, not refitted;
    # the zero-shot baseline's theme names come from the embedding cache, no model is loaded
    evaluation = pd.read_csv(work / "results/tables/evaluation.csv").set_index("metric")
    assert evaluation.at["stability_ari", "value"] == stability["value"]
    scope = f"{stability['scope']}; the {len(before)} papers of the last topic fit"
    assert evaluation.at["stability_ari", "scope"] == scope
    evaluate_log = (work / "logs" / "evaluate.log").read_text()
    assert "stability of topic fit" in evaluate_log
    assert "papertopics.topics: topics:" not in evaluate_log and "encoded" not in evaluate_log
    dry = snakemake(root, work, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_removing_a_listing_removes_its_papers(run):
    root, work, _ = run
    (work / "listings" / "day3.txt").unlink()
    result = snakemake(root, work)
    assert result.returncode == 0, result.stderr[-4000:]
    papers = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    assert len(papers) == 44
    changes = pd.read_csv(work / "results/tables/changes.csv", keep_default_na=False)
    assert changes.set_index(["kind", "subject"]).at[("listing_removed", "day3"), "n"] == 5
    params = json.loads((work / "results/history/snapshot.json").read_text())["params"]
    # the papers the previous rerun placed went again: the corpus is the fitted one, and
    # nothing counts towards a refit
    assert params["n_placed_since_fit"] == params["n_removed_since_fit"] == 0
    assert changes.set_index(["kind", "subject"]).at[("papers_removed", "all"), "n"] > 0
    # its parse output and log went with it; the other listings' stay
    assert not (work / "results/interim/parsed/day3.json").exists()
    assert not (work / "logs/parse/day3.log").exists()
    assert (work / "results/interim/parsed/day2.json").exists()


def test_a_listing_replaced_by_an_older_edited_copy_is_parsed_and_placed_again(run):
    root, work, _ = run
    path = work / "listings" / "day2.txt"
    papers = parse_listing(path, year=2024).papers
    abstract = "We study robot grasping with tactile sensors on a real arm, and release it."
    write_listing(path, "Mar 17", [replace(papers[0], abstract=abstract), *papers[1:]])
    old = (work / "logs" / "parse" / "day2.log").stat().st_mtime - 3600
    os.utime(path, (old, old))  # as `cp -p` of a copy edited before the last run leaves it
    dry = snakemake(root, work, "-n")
    assert "parse_listing" in dry.stdout + dry.stderr
    result = snakemake(root, work)
    assert result.returncode == 0, result.stderr[-4000:]
    table = pd.read_csv(work / "results/tables/papers.csv", keep_default_na=False)
    row = table.set_index("paper_id").loc[papers[0].paper_id]
    assert row["abstract"] == abstract
    params = json.loads((work / "results/history/snapshot.json").read_text())["params"]
    assert (params["mode"], params["n_edited"], params["n_new"]) == ("incremental", 1, 1)


def test_turning_the_evaluation_off_removes_its_stale_table(run):
    root, work, config = run
    assert (work / "results/tables/evaluation.csv").exists()
    off = {**config, "evaluation": {**config["evaluation"], "labels": None}}
    (work / "config.yaml").write_text(yaml.safe_dump(off, sort_keys=False))
    try:
        result = snakemake(root, work)
        assert result.returncode == 0, result.stderr[-4000:]
        assert not (work / "results/tables/evaluation.csv").exists()
        assert 'id="evaluation"' not in (work / "results/report.html").read_text()
    finally:
        (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
