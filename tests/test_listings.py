"""Parsing listing files and merging papers across listings."""

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

import pytest

from papertopics.listings import (
    DamagedOutputError,
    Listing,
    ListingError,
    Paper,
    ParseWarning,
    atomic_open,
    dedupe_papers,
    earliest_date,
    listing_table,
    merge_listings,
    paper_id,
    parse_listing,
    parse_listing_text,
    read_listing_json,
    read_papers,
    resolve_year,
    skipped_listing,
    skipped_state,
    title_key,
    warning_table,
    warnings_summary,
    write_listing_json,
    write_papers,
    year_in_name,
)

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
PAGE_COPY = Path(__file__).resolve().parent / "data" / "formats" / "page_copy.txt"
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


def test_unicode_is_kept_latex_becomes_text_and_whitespace_is_collapsed():
    text = listing(
        "Mar 11",
        ("TÜLU 3:   Pushing  Frontiers", ABSTRACT),
        ("MoE$^2$: Optimizing Inference", ABSTRACT.replace(" ", "  \t", 3)),
        ("\\textbf{DDO}: Dual-Decision", "We are 4.6$\\times$ faster at 5% cost. " + ABSTRACT),
    )
    papers = parse_listing_text(text, "x", year=2024).papers
    assert papers[0].title == "TÜLU 3: Pushing Frontiers"
    assert papers[1].title == "MoE²: Optimizing Inference"
    assert papers[1].paper_id == paper_id("MoE$^2$: Optimizing Inference")
    assert "  " not in papers[1].abstract and "\t" not in papers[1].abstract
    assert papers[2].title == "DDO: Dual-Decision"
    assert papers[2].abstract == "We are 4.6× faster at 5% cost. " + ABSTRACT


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
    path.write_bytes(b"\x89PNG\x00\x01binary")
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


def test_merge_warns_when_the_same_paper_comes_with_another_abstract(tmp_path):
    other = "A different abstract about tool-using agents that plan and call APIs in turn."
    (tmp_path / "a_2024-03-11.txt").write_text(listing("Mar 11", ("Shared", ABSTRACT)))
    (tmp_path / "b.txt").write_text(
        listing("Mar 17", ("shared", other), ("Copy", ABSTRACT.upper() + " "))
    )
    (tmp_path / "c.txt").write_text(listing("Mar 18", ("Copy", ABSTRACT)))
    a, b, c = (
        parse_listing(tmp_path / f, year=2024) for f in ("a_2024-03-11.txt", "b.txt", "c.txt")
    )
    merged = merge_listings([c, b, a])
    assert {p.title: p.abstract for p in merged}["Shared"] == ABSTRACT  # the earliest listing's
    assert [w.message for w in b.warnings] == [
        "same paper as in a_2024-03-11.txt with another abstract; the abstract of "
        "a_2024-03-11.txt (listed first) is kept: 'shared'"
    ]
    assert b.warnings[0].file == "b.txt"
    assert c.warnings == []  # the same abstract but for case and spacing: no warning
    rows = {row["listing"]: row for row in listing_table([a, b, c], merged)}
    assert rows["b"]["n_warnings"] == 1
    merge_listings([a, b, c])
    assert len(b.warnings) == 1  # merged again: no second warning


def test_merge_takes_a_later_abstract_when_the_first_entry_has_none():
    def one(name, abstract):
        return Listing(
            name,
            "2024-03-11",
            "config",
            [Paper(paper_id("T"), "T", abstract)],
            [],
            file=f"{name}.csv",
        )

    first, second, third = one("a", ""), one("b", ABSTRACT), one("c", "Another abstract.")
    merged = merge_listings([first, second, third])
    assert merged[0].abstract == ABSTRACT and merged[0].sources == ["a", "b", "c"]
    assert [w.message.split(";")[0] for w in third.warnings] == [
        "same paper as in b.csv with another abstract"
    ]
    assert "the abstract of b.csv (listed first) is kept" in third.warnings[0].message
    assert first.warnings == second.warnings == []


def test_json_round_trips(tmp_path):
    parsed = parse_listing_text(listing("Mar 11", ("T", ABSTRACT)), "x", year=2024)
    write_listing_json(parsed, tmp_path / "x.json")
    assert read_listing_json(tmp_path / "x.json") == parsed
    write_papers(parsed.papers, tmp_path / "p.jsonl")
    assert read_papers(tmp_path / "p.jsonl") == parsed.papers
    assert warning_table([parsed]) == []


def test_a_damaged_intermediate_file_is_named_with_what_to_do(tmp_path):
    parsed = parse_listing_text(listing("Mar 11", ("T", ABSTRACT), ("U", ABSTRACT)), "x")
    write_papers(parsed.papers, tmp_path / "p.jsonl")
    text = (tmp_path / "p.jsonl").read_text()
    (tmp_path / "p.jsonl").write_text(text[: len(text) - 40])  # cut short in line 2
    with pytest.raises(DamagedOutputError, match=r"p\.jsonl: damaged \(line 2: JSONDecodeError"):
        read_papers(tmp_path / "p.jsonl")
    (tmp_path / "p.jsonl").write_bytes(text.encode() + b'{"title": "\xff"}\n')
    with pytest.raises(DamagedOutputError, match=r"damaged \(line 3: UnicodeDecodeError"):
        read_papers(tmp_path / "p.jsonl")
    write_listing_json(parsed, tmp_path / "x.json")
    (tmp_path / "x.json").write_text('{"name": "x"}')
    with pytest.raises(DamagedOutputError, match=r"x\.json: damaged .*delete it and run again$"):
        read_listing_json(tmp_path / "x.json")


def test_bundled_seeds_hold_181_entries_and_165_unique_papers():
    files = ("000_4d976adc46f38506.txt", "001_e90326b44733c5d8.txt")
    listings = [parse_listing(SEEDS / name, year=2024) for name in files]
    assert sum(len(item.papers) for item in listings) == 181
    assert all(item.warnings == [] for item in listings)
    merged = merge_listings(listings)
    assert len(merged) == 165
    assert sum(len(p.sources) == 2 for p in merged) == 16
    titles = {p.title for p in merged}
    assert "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training" in titles
    assert "MoE²: Optimizing Collaborative Inference for Edge Large Language Models" in titles


# Messy listing text: what copy-pasting a web page produces.


def two_papers() -> str:
    return listing("Mar 11", ("First Title", ABSTRACT), ("Second Title", ABSTRACT))


def test_crlf_line_endings_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + two_papers().replace("\n", "\r\n").encode("utf-8"))
    parsed = parse_listing(path, year=2024)
    assert [p.title for p in parsed.papers] == ["First Title", "Second Title"]
    assert parsed.date == "2024-03-11"
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("encoding", "title", "named"),
    [("cp1252", "Café “Quotes” – Dash", "cp1252"), ("latin-1", "Ünïcödé \x81", "Latin-1")],
)
def test_non_utf8_text_is_decoded_with_a_warning_naming_the_line(tmp_path, encoding, title, named):
    path = tmp_path / "old.txt"
    path.write_bytes(listing("Mar 11", ("Plain", ABSTRACT), (title, ABSTRACT)).encode(encoding))
    parsed = parse_listing(path, year=2024)
    assert [p.title for p in parsed.papers] == ["Plain", normalise(title)]
    assert len(parsed.warnings) == 1
    warning = parsed.warnings[0]
    assert (warning.file, warning.line) == ("old.txt", 15)
    assert "not UTF-8" in warning.message and named in warning.message


def normalise(text):
    from papertopics.listings import normalise_text

    return normalise_text(text)


def test_control_characters_mean_binary(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(1, 32)) * 20)
    with pytest.raises(ListingError, match=r"image\.txt: the file is binary"):
        parse_listing(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding):
    path = tmp_path / "notepad.txt"
    text = listing("Mar 11", ("Über Tülu", ABSTRACT))
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    path.write_bytes((bom + text).encode(encoding))
    parsed = parse_listing(path, year=2024)
    assert [p.title for p in parsed.papers] == ["Über Tülu"]
    assert parsed.warnings == []


def test_utf16_without_a_byte_order_mark_is_still_binary(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(listing("Mar 11", ("T", ABSTRACT)).encode("utf-16-le"))
    with pytest.raises(ListingError, match=r"odd\.txt: the file is binary"):
        parse_listing(path)


def test_extra_blank_lines_and_a_wrapped_title():
    text = listing("Mar 11", ("A Long Title That Is\nWrapped Over Two Lines", ABSTRACT))
    text = text.replace("\n\n", "\n\n\n\n")
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["A Long Title That Is Wrapped Over Two Lines"]
    assert parsed.warnings == []


def test_abstract_split_by_a_blank_line_is_joined_with_a_warning():
    text = listing(
        "Mar 11",
        ("First", ABSTRACT + "\n\nA second paragraph of the same abstract, which ends here."),
        ("Second", ABSTRACT + "\n\nCode: https://github.com/example/code"),
    )
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["First", "Second"]
    assert parsed.papers[0].abstract == ABSTRACT + (
        " A second paragraph of the same abstract, which ends here."
    )
    assert parsed.papers[1].abstract.endswith("code. Code: https://github.com/example/code")
    assert [(w.line, w.message) for w in parsed.warnings] == [
        (15, "abstract continued after a blank line; joined"),
        (21, "abstract continued after a blank line; joined"),
    ]


def test_page_text_is_skipped_with_warnings_naming_file_and_line():
    parsed = parse_listing(PAGE_COPY, year=2024)
    assert [p.title for p in parsed.papers] == [
        "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training",
        "MoE²: Optimizing Collaborative Inference for Edge Large Language Models",
        "Small LLMs Are Weak Tool Learners: A Multi-LLM Agent",
    ]
    assert parsed.papers[0].abstract.endswith("so that others can reproduce it.")
    assert not any("Upvote" in p.title + p.abstract for p in parsed.papers)
    assert {w.file for w in parsed.warnings} == {"page_copy.txt"}
    assert [(w.line, w.message) for w in parsed.warnings] == [
        (13, "page text skipped (submitters): 'Submitted by akhaliq' and 1 more such line"),
        (14, "page text skipped (upvotes): 'Upvote' and 2 more such lines"),
        (20, "author line skipped: 'Nathan Lambert, Jacob Morrison and Valentina Pyatkin'"),
        (22, "page text skipped (publication dates): 'Published on Mar 11'"),
        (26, "abstract continued after a blank line; joined"),
        (29, "title without an abstract skipped: 'A Title Without an Abstract'"),
    ]


def test_lines_without_blank_lines_between_them():
    long_abstract = ABSTRACT + " " + ABSTRACT + " " + ABSTRACT
    text = f"{HEADER}Mar 11\n\nFirst Title\n{long_abstract}\nSecond Title\n{long_abstract}\n"
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["First Title", "Second Title"]
    assert parsed.warnings == []


def test_title_glued_to_a_wrapped_abstract_takes_the_first_line():
    wrapped = "\n".join([ABSTRACT[:60], ABSTRACT[60:]] * 3)
    text = f"{HEADER}Mar 11\n\nGlued Title\n{wrapped}\n"
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["Glued Title"]
    assert "not separated by a blank line" in parsed.warnings[0].message


def test_a_second_page_header_and_unknown_header_lines_are_skipped():
    text = "Daily Papers\n\n" + two_papers() + "\n" + listing("Mar 12", ("Third", ABSTRACT))
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["First Title", "Second Title", "Third"]
    assert parsed.date == "2024-03-11"
    assert [w.message.split(":")[0] for w in parsed.warnings] == [
        "page text skipped (header lines)",
        "page text skipped (page headers)",
    ]


def test_repeated_entry_in_one_file_is_merged_with_a_warning():
    text = listing(
        "Mar 11", ("Same Paper", ABSTRACT), ("Other", ABSTRACT), ("Same paper.", ABSTRACT)
    )
    parsed = parse_listing_text(text, "x", year=2024)
    assert [p.title for p in parsed.papers] == ["Same Paper", "Other"]
    assert parsed.warnings[0].line == 19
    assert parsed.warnings[0].message.startswith("same paper as line 11; merged")


def test_header_date_with_a_year_is_the_files_own():
    parsed = parse_listing_text(listing("Mar 11, 2023", ("T", ABSTRACT)), "x", year=2024)
    assert (parsed.date, parsed.date_source) == ("2023-03-11", "file")


def test_a_date_in_the_file_name_gives_the_year_before_the_modification_time():
    text = listing("Mar 18", ("T", ABSTRACT))
    later = dt.date(2026, 12, 2)  # copied with its date long after it was written
    parsed = parse_listing_text(text, "x", reference_date=later, file="arxiv_2025-03-18.txt")
    assert (parsed.date, parsed.date_source) == ("2025-03-18", "name")
    configured = parse_listing_text(text, "x", year=2024, file="arxiv_2025-03-18.txt")
    assert (configured.date, configured.date_source) == ("2024-03-18", "config")
    other_day = parse_listing_text(text, "x", reference_date=later, file="arxiv_2025-03-17.txt")
    assert (other_day.date, other_day.date_source) == ("2025-03-18", "name")  # a day apart
    far = parse_listing_text(text, "x", reference_date=later, file="arxiv_2025-04-18.txt")
    assert (far.date, far.date_source) == ("2026-03-18", "mtime")


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("arxiv_2025-03-18.txt", 2025),
        ("papers_20240318.txt", 2024),
        ("2023.03.18 ml.txt", 2023),
        ("day 18 of 2025.txt", None),
        ("v120250318999.txt", None),  # digits run on: not a date
        ("arxiv_2025-04-18.txt", None),  # a month away: another date
        ("arxiv_2025-03-19.txt", 2025),  # saved the day after
        ("arxiv_2025-03-25.txt", 2025),
        ("arxiv_2025-03-26.txt", None),  # eight days: too far
    ],
)
def test_year_in_name(name, year):
    assert year_in_name(name, 3, 18) == year


def test_year_in_name_across_new_year():
    assert year_in_name("listing_2025-01-02.txt", 12, 31) == 2024
    assert year_in_name("listing_2024-12-30.txt", 1, 2) == 2025


def test_year_in_name_is_never_an_impossible_date():
    assert year_in_name("arxiv_2025-02-29.txt", 2, 29) is None
    assert year_in_name("arxiv_2024-02-29.txt", 2, 29) == 2024
    assert year_in_name("arxiv_2025-03-01.txt", 2, 29) is None  # 2025 has no Feb 29


@pytest.mark.parametrize(("date", "year"), [("Feb 29", 2025), ("Feb 29, 2023", None)])
def test_feb_29_of_a_common_year_leaves_the_listing_undated_and_keeps_its_papers(date, year):
    parsed = parse_listing_text(listing(date, ("T", ABSTRACT)), "x", year=year, file="leap.txt")
    assert (parsed.date, parsed.date_source) == ("", "none")
    assert [p.title for p in parsed.papers] == ["T"]
    assert [w.message for w in parsed.warnings] == [
        f"listing date {date!r} does not exist in {year or 2023}; the listing has no date"
    ]


# Identity: one paper under slightly different titles, different papers kept apart.


@pytest.mark.parametrize(
    "variant",
    [
        "tülu 3: pushing frontiers in open language model post-training",
        "TULU 3 - Pushing Frontiers in Open Language Model Post Training.",
        'T{\\"U}LU 3: Pushing {F}rontiers in Open Language Model Post-Training',
        'T\\"{U}LU 3: Pushing Frontiers in \\textit{Open} Language Model Post-Training',
        "TÜLU 3: Pushing Frontiers in Open Lan\u00adguage Model Post-Training",
        "TÜLU\u200b 3: Pushing Frontiers in Open Language Model Post\u2011Training",
    ],
)
def test_title_variants_share_one_id(variant):
    title = "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training"
    assert paper_id(normalise(variant)) == paper_id(title)


def test_latex_letters_and_nordic_letters_share_a_key():
    assert title_key("Schr{\\\"o}dinger's {\\o}re \\ss{} \\'{e}t\\'e") == title_key(
        "Schrödinger's øre ß été"
    )
    assert title_key("Ma\\v{c}ek") == title_key("Maček")


def test_titles_sharing_a_prefix_are_different_papers():
    ids = {
        paper_id(title)
        for title in (
            "Tool Learning",
            "Tool Learning with Foundation Models",
            "Tool Learning with Foundation Models: A Survey",
            "Tool Learning with Foundation Models 2",
        )
    }
    assert len(ids) == 4


def test_a_revised_abstract_is_the_same_paper_and_keeps_the_earliest():
    a = parse_listing_text(listing("Mar 11", ("Shared Paper", ABSTRACT)), "a", year=2024)
    revised = ABSTRACT.replace("a wide margin", "an even wider margin")
    b = parse_listing_text(listing("Mar 17", ("Shared paper.", revised)), "b", year=2024)
    (merged,) = merge_listings([b, a])
    assert merged.sources == ["a", "b"]
    assert merged.abstract == ABSTRACT
    assert merged.first_listed == "2024-03-11"


def test_earliest_date_prefers_the_earlier_and_the_more_precise():
    assert earliest_date("2024-03-11", "2024-03-17") == "2024-03-11"
    assert earliest_date("2024", "2024-03-17") == "2024-03-17"
    assert earliest_date("2024-03-17", "2024-03") == "2024-03-17"
    assert earliest_date("2023", "2024-03-17") == "2023"
    assert earliest_date("", "2024") == "2024"
    assert earliest_date("", "") == ""


def test_entry_dates_feed_first_listed():
    a = parse_listing_text(listing("Mar 11", ("Shared", ABSTRACT)), "a", year=2024)
    b = parse_listing_text(listing("Mar 17", ("Shared", ABSTRACT)), "b", year=2024)
    b.papers[0].first_listed = "2024-01-02"  # as a JSON lines entry with its own date
    (merged,) = merge_listings([a, b])
    assert merged.first_listed == "2024-01-02"


# Outputs are replaced atomically.


def test_atomic_open_keeps_the_old_file_when_the_writer_fails(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("old\n")

    def interrupted_writer():
        with atomic_open(path) as out:
            out.write("half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        interrupted_writer()
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
    with atomic_open(path) as out:
        out.write("new\n")
    assert path.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_open_gives_the_permissions_open_would(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        with atomic_open(tmp_path / "table.csv") as out:
            out.write("x\n")
        (tmp_path / "plain.csv").write_text("x\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "table.csv").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "plain.csv").stat().st_mode) == mode


def test_feb_29_is_dated_in_the_last_leap_year():
    assert resolve_year(2, 29, dt.date(2026, 3, 1)) == dt.date(2024, 2, 29)
    assert resolve_year(2, 29, dt.date(2024, 2, 28)) == dt.date(2020, 2, 29)


def test_a_listing_saved_on_its_own_day_is_of_that_year():
    assert resolve_year(3, 11, dt.date(2025, 3, 11)) == dt.date(2025, 3, 11)
    assert resolve_year(3, 12, dt.date(2025, 3, 11)) == dt.date(2024, 3, 12)  # a day later


def test_an_abstract_label_is_removed_once_at_the_start():
    text = listing("Mar 11", ("A Title", f"Abstract: {ABSTRACT} Abstract: again."))
    parsed = parse_listing_text(text, "x", year=2024)
    assert parsed.papers[0].abstract == f"{ABSTRACT} Abstract: again."


def test_a_repeated_entry_keeps_the_earliest_date():
    papers = [
        Paper("p1", "T", "a", ["x"], "2024-03-17"),
        Paper("p2", "U", "b", ["x"], "2024-03-17"),
        Paper("p1", "T", "a", ["x"], "2024-03-11"),
    ]
    warnings: list[ParseWarning] = []
    unique = dedupe_papers(papers, [6, 10, 14], "x.txt", warnings)
    assert [(p.paper_id, p.first_listed) for p in unique] == [
        ("p1", "2024-03-11"),
        ("p2", "2024-03-17"),
    ]
    assert [(w.line, w.message.split(";")[0]) for w in warnings] == [(14, "same paper as line 6")]


def test_warnings_summary_is_one_line_for_the_terminal(tmp_path):
    table = tmp_path / "parse_warnings.csv"
    assert warnings_summary(table) is None  # no table yet
    table.write_text("file,line,message\nREADME.md,0,not a listing file (.md); not read\n")
    assert warnings_summary(table) is None
    table.write_text(
        "file,line,message\n"
        "a.txt,12,title without an abstract was skipped: 'X'\n"
        "a.txt,30,same paper as line 4; merged: 'Y'\n"
        "b.bin,0,file skipped: binary, not text\n"
        "notes.md,0,not a listing file (.md is no listing format); not read\n"
    )
    assert warnings_summary(table) == (  # the other file of the folder is no listing's problem
        f"3 problems reading the listings, in 2 files (1 skipped whole): see "
        f"{table.as_posix()} or the top of the report"
    )


def test_skipped_state_reads_a_skipped_listings_parse_output(tmp_path):
    write_listing_json(
        skipped_listing("bad", "the file is empty", file="bad.txt"), tmp_path / "b.json"
    )
    assert skipped_state(tmp_path / "b.json")[0] == "the file is empty"
    read = parse_listing_text(listing("Mar 11", ("T", ABSTRACT)), "x", year=2024)
    write_listing_json(read, tmp_path / "x.json")
    assert skipped_state(tmp_path / "x.json")[0] == ""
    assert skipped_state(tmp_path / "missing.json")[0] == ""


@pytest.mark.parametrize(
    ("date_line", "date", "warning"),
    [
        ("March 11", "2024-03-11", None),
        ("Sept 3", "2024-09-03", None),
        ("2025-03-11", "2025-03-11", None),
        ("Feb 30", "", "line 9: listing date 'Feb 30' does not exist; the listing has no date"),
        ("2025-02-30", "", "line 9: listing date '2025-02-30' does not exist; the listing has"),
        # not a month: no date, and the line is read as a title (without an abstract)
        ("Marchember 11", "", "line 1: no listing date (like 'Mar 11') in the header"),
    ],
)
def test_header_dates_in_other_forms_and_impossible_ones(date_line, date, warning):
    parsed = parse_listing_text(listing(date_line, ("T", ABSTRACT)), "x", year=2024)
    assert parsed.date == date and [p.title for p in parsed.papers] == ["T"]
    messages = [f"line {w.line}: {w.message}" for w in parsed.warnings]
    assert messages[0].startswith(warning) if warning else messages == []


def test_a_few_stray_nul_bytes_are_dropped_with_a_warning(tmp_path):
    """A copy or disk error, not a binary file: the listing's papers are kept."""
    path = tmp_path / "day.txt"
    titles = [f"Title {i}" for i in range(8)]
    text = listing("Mar 11", *((title, ABSTRACT) for title in titles)).encode()
    path.write_bytes(text.replace(b"Title 1", b"Title\x00 1"))
    parsed = parse_listing(path, year=2024)
    assert [p.title for p in parsed.papers] == titles
    assert [(w.line, w.message) for w in parsed.warnings] == [
        (15, "1 NUL byte removed (first on this line)")
    ]
    # more than one in a thousand bytes: binary
    path.write_bytes(text.replace(b" ", b"\x00", 3))
    with pytest.raises(ListingError, match="binary"):
        parse_listing(path)


def test_an_undated_listing_merges_after_the_dated_ones():
    other = "A different abstract about tool-using agents that plan and call APIs in turn."

    def one(name, date, abstract):
        paper = Paper(paper_id("Shared"), "Shared", abstract)
        source = "config" if date else "none"
        return Listing(name, date, source, [paper], [], file=f"{name}.txt")

    undated, dated = one("a", "", other), one("b", "2024-03-11", ABSTRACT)
    (merged,) = merge_listings([undated, dated])  # "a" sorts first by name, but has no date
    assert merged.sources == ["b", "a"]
    assert merged.abstract == ABSTRACT  # the dated listing's
    assert merged.first_listed == "2024-03-11"
    assert dated.warnings == []
    assert [w.message for w in undated.warnings] == [
        "same paper as in b.txt with another abstract; the abstract of b.txt (listed first) "
        "is kept: 'Shared'"
    ]
