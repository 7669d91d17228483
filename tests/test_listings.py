"""Parsing listing files and merging papers across listings."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from papertopics.listings import (
    ListingError,
    listing_table,
    merge_listings,
    paper_id,
    parse_listing,
    parse_listing_text,
    read_listing_json,
    read_papers,
    resolve_year,
    title_key,
    warning_table,
    write_listing_json,
    write_papers,
)

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n"
)
ABSTRACT = (
    "We study a problem that matters. Our method improves results on many benchmarks by a wide "
    "margin, and we release code."
)


def listing(date: str, *pairs: tuple[str, str]) -> str:
    body = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in pairs)
    return f"{HEADER}{date}\n\n{body}\n"


def test_header_is_skipped_and_date_read():
    parsed = parse_listing_text(listing("Mar 11", ("A Title", ABSTRACT)), "x", year=2024)
    assert parsed.date == "2024-03-11"
    assert parsed.date_source == "config"
    assert [p.title for p in parsed.papers] == ["A Title"]
    assert parsed.papers[0].abstract == ABSTRACT
    assert parsed.warnings == []


def test_year_from_reference_date_rolls_back_over_new_year():
    assert resolve_year(12, 31, dt.date(2025, 1, 2)) == dt.date(2024, 12, 31)
    assert resolve_year(3, 11, dt.date(2025, 6, 1)) == dt.date(2025, 3, 11)
    parsed = parse_listing_text(
        listing("Dec 31", ("T", ABSTRACT)), "x", reference_date=dt.date(2025, 1, 2)
    )
    assert parsed.date == "2024-12-31"
    assert parsed.date_source == "mtime"


def test_unicode_latex_and_whitespace_are_kept_as_text():
    text = listing(
        "Mar 11",
        ("TÜLU 3:   Pushing  Frontiers", ABSTRACT),
        ("MoE$^2$: Optimizing Inference", ABSTRACT.replace(" ", "  \t", 3)),
    )
    papers = parse_listing_text(text, "x", year=2024).papers
    assert papers[0].title == "TÜLU 3: Pushing Frontiers"
    assert papers[1].title == "MoE$^2$: Optimizing Inference"
    assert "  " not in papers[1].abstract and "\t" not in papers[1].abstract


def test_question_mark_titles_pair_with_their_abstract():
    text = listing("Mar 11", ("Can LLMs Learn by Teaching? A Preliminary Study", ABSTRACT))
    papers = parse_listing_text(text, "x", year=2024).papers
    assert papers[0].title == "Can LLMs Learn by Teaching? A Preliminary Study"


def test_title_without_abstract_is_skipped_with_a_warning():
    text = (
        listing("Mar 11", ("First", ABSTRACT)).rstrip()
        + "\n\nOrphan title\n\nSecond\n\n"
        + ABSTRACT
    )
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["First", "Second"]
    assert len(parsed.warnings) == 1
    assert "Orphan title" in parsed.warnings[0].message
    assert parsed.warnings[0].line == 15


@pytest.mark.parametrize(
    ("content", "reason"),
    [("", "empty"), ("   \n\n", "empty"), ("a\x00b", "binary"), (HEADER + "Mar 11\n", "no paper")],
)
def test_unusable_text_raises_one_clear_error(content, reason):
    with pytest.raises(ListingError, match=reason) as err:
        parse_listing_text(content, "bad")
    assert str(err.value).startswith("bad: ")


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(ListingError, match=r"broken\.txt: .*binary"):
        parse_listing(path)


def test_title_key_ignores_case_punctuation_latex_and_accents():
    assert title_key("MoE$^2$: Optimizing") == title_key("moe2 optimizing")
    assert title_key("TÜLU 3") == title_key("Tulu 3")
    assert title_key("A Study.") == title_key("a study")
    assert paper_id("Distilling Step-by-Step!") == paper_id("distilling step by step")
    assert paper_id("Tool Learning") != paper_id("Tool Learning with Foundation Models")


def test_paper_id_is_the_sha1_of_the_title_key():
    expected = "p" + hashlib.sha1(b"tool learning with foundation models").hexdigest()[:12]
    assert paper_id("Tool  Learning with Foundation Models.") == expected


def test_merge_keeps_every_source_and_the_earliest_date():
    a = parse_listing_text(
        listing("Mar 17", ("Shared", ABSTRACT), ("Only A", ABSTRACT)), "a", year=2024
    )
    b = parse_listing_text(
        listing("Mar 11", ("shared.", ABSTRACT), ("Only B", ABSTRACT)), "b", year=2024
    )
    merged = merge_listings([a, b])
    by_title = {p.title: p for p in merged}
    assert set(by_title) == {"shared.", "Only A", "Only B"}  # title from the earliest listing
    assert by_title["shared."].sources == ["b", "a"]
    assert by_title["shared."].first_listed == "2024-03-11"
    rows = {row["listing"]: row for row in listing_table([a, b], merged)}
    assert rows["a"]["n_duplicates"] == 1 and rows["b"]["n_duplicates"] == 0


def test_json_round_trips(tmp_path):
    parsed = parse_listing_text(listing("Mar 11", ("T", ABSTRACT)), "x", year=2024)
    write_listing_json(parsed, tmp_path / "x.json")
    assert read_listing_json(tmp_path / "x.json") == parsed
    write_papers(parsed.papers, tmp_path / "p.jsonl")
    assert read_papers(tmp_path / "p.jsonl") == parsed.papers
    assert warning_table([parsed]) == []


def test_bundled_seeds_hold_181_entries_and_165_unique_papers():
    listings = [parse_listing(path, year=2024) for path in sorted(SEEDS.glob("*.txt"))]
    assert len(listings) == 2
    assert sum(len(item.papers) for item in listings) == 181
    assert all(item.warnings == [] for item in listings)
    merged = merge_listings(listings)
    assert len(merged) == 165
    assert sum(len(p.sources) == 2 for p in merged) == 16
    titles = {p.title for p in merged}
    assert "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training" in titles
    assert "MoE$^2$: Optimizing Collaborative Inference for Edge Large Language Models" in titles
