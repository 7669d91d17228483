"""Listing formats beside the page text: JSON lines, CSV, BibTeX and arXiv Atom exports."""

import logging
from pathlib import Path

import pytest

from papertopics.config import listing_names
from papertopics.formats import (
    listing_format,
    parse_atom,
    parse_bibtex,
    parse_csv,
    parse_entry_date,
    parse_jsonl,
    read_listing,
)
from papertopics.listings import ListingError, merge_listings, paper_id

DATA = Path(__file__).resolve().parent / "data" / "formats"
TULU = "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training"
MOE = "MoE²: Optimizing Collaborative Inference for Edge Large Language Models"
SMALL = "Small LLMs Are Weak Tool Learners: A Multi-LLM Agent"
TULU_ABSTRACT = (
    "Language model post-training is applied to refine behaviors and unlock new skills across "
    "a wide range of recent language models, but open recipes for applying these techniques "
    "lag behind proprietary ones."
)


def titles(listing):
    return [paper.title for paper in listing.papers]


def messages(listing):
    return [(warning.line, warning.message) for warning in listing.warnings]


def test_jsonl_reads_entries_dates_and_warns_per_line():
    listing = read_listing(DATA / "papers.jsonl")
    assert listing.name == "papers"
    assert titles(listing) == [TULU, MOE, SMALL]
    assert listing.papers[0].abstract == TULU_ABSTRACT
    assert [p.first_listed for p in listing.papers] == ["2024-11-22", "2025-01-16", "2024-01-14"]
    assert (listing.date, listing.date_source) == ("2024-01-14", "file")
    assert all(w.file == "papers.jsonl" for w in listing.warnings)
    lines = dict(messages(listing))
    assert "without abstract" in lines[5] and "An entry without an abstract" in lines[5]
    assert "not a JSON object" in lines[6]


def test_json_array_is_read_with_each_elements_line(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(
        '[\n  {"title": "Alpha Paper", "abstract": "An abstract.", "date": "2024-05-02"},\n'
        '  {"title": "No Abstract"},\n  [1, 2],\n'
        '  {"title": "Beta Paper",\n   "abstract": "Another."}\n]\n'
    )
    listing = read_listing(path)
    assert titles(listing) == ["Alpha Paper", "Beta Paper"]
    assert [line for line, _ in messages(listing)] == [1, 3, 4]
    assert "a JSON list, not an object" in dict(messages(listing))[4]


def test_json_array_that_breaks_off_names_the_line():
    with pytest.raises(ListingError, match=r"not readable as a JSON array \(.*line 3\)"):
        parse_jsonl('[\n{"title": "A", "abstract": "B."},\n{"title": "C" "abstract"}]', "x")
    with pytest.raises(ListingError, match=r"',' expected, line 2"):
        parse_jsonl('[{"title": "A", "abstract": "B."}\n{"title": "C"}]', "x")


def test_json_text_after_the_array_or_a_wrapping_object_is_one_clear_error():
    with pytest.raises(ListingError, match=r"text after it, line 3\)"):
        parse_jsonl('[{"title": "A", "abstract": "B."}\n]\n{"title": "C"}', "x")
    wrapped = '{"source": "export",\n "papers": [{"title": "A", "abstract": "B."}]}'
    with pytest.raises(ListingError, match=r"'papers' holds 1 records; give the records"):
        parse_jsonl(wrapped, "x", file="x.json")


def test_json_array_lines_are_counted_in_a_large_file():
    records = ",\n".join(f'{{"title": "Paper {i}", "abstract": "Text {i}."}}' for i in range(3000))
    listing = parse_jsonl(f"[\n{records},\n[]\n]", "x")
    assert len(listing.papers) == 3000
    assert (3002, "a JSON list, not an object; skipped") in messages(listing)


def test_kaggle_arxiv_snapshot_records_take_their_first_versions_date():
    record = (
        '{"id": "0704.0001", "title": "Alpha Paper", "abstract": "  An abstract.\\n", '
        '"versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, '
        '{"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}], '
        '"update_date": "2008-11-13"}\n'
    )
    assert parse_jsonl(record, "x").papers[0].first_listed == "2007-04-02"
    without_versions = record.replace('"versions"', '"other"')
    assert parse_jsonl(without_versions, "x").papers[0].first_listed == "2008-11-13"


def test_csv_reads_quoted_fields_partial_dates_and_warns():
    listing = read_listing(DATA / "papers.csv")
    assert [paper_id(t) for t in titles(listing)] == [paper_id(t) for t in (TULU, MOE, SMALL)]
    assert listing.papers[1].abstract.endswith(
        "natural language processing tasks, in a revised version of the abstract."
    )
    assert [p.first_listed for p in listing.papers] == ["2024-11-22", "2025-01", "2024"]
    assert messages(listing) == [(6, "entry without abstract skipped: 'A row without an abstract'")]


def test_bibtex_decodes_latex_and_reads_year_and_month():
    listing = read_listing(DATA / "papers.bib")
    assert titles(listing) == [TULU, MOE, SMALL]
    assert listing.papers[0].abstract == TULU_ABSTRACT
    assert [p.first_listed for p in listing.papers] == ["2024-11", "2025-01-16", "2024-01"]
    assert messages(listing) == [
        (27, "entry without abstract skipped: 'An Entry Without an Abstract'")
    ]


def test_atom_export_reads_titles_summaries_and_published_dates():
    listing = read_listing(DATA / "arxiv.atom")
    assert titles(listing) == [TULU, MOE, SMALL]
    assert listing.papers[0].abstract == TULU_ABSTRACT
    assert [p.first_listed for p in listing.papers] == ["2024-11-22", "2025-01-16", "2024-01-14"]
    assert messages(listing) == [
        (42, "entry without abstract skipped: 'An Entry Without a Summary'")
    ]


def test_the_same_papers_in_every_format_merge_into_three():
    files = sorted(DATA.iterdir())
    names = listing_names(files)
    assert {"papers.csv", "papers.jsonl", "papers.bib", "arxiv", "page_copy"} == set(names)
    listings = [read_listing(path, year=2024, name=name) for name, path in names.items()]
    merged = merge_listings(listings)
    assert len(merged) == 3
    assert all(sorted(paper.sources) == sorted(names) for paper in merged)
    by_id = {paper.paper_id: paper for paper in merged}
    # the earliest date wins; a more precise date refines a coarser one ("2024" -> "2024-01-14")
    assert by_id[paper_id(SMALL)].first_listed == "2024-01-14"
    assert by_id[paper_id(TULU)].first_listed == "2024-03-11"  # the page copy, Mar 11 (2024)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-11", "2024-03-11"),
        ("2024-03-11T18:44:04Z", "2024-03-11"),
        ("2024/3/1", "2024-03-01"),
        ("2024-03", "2024-03"),
        (2024, "2024"),
        ("Mar 11, 2024", "2024-03-11"),
        ("11 March 2024", "2024-03-11"),
        ("Sept 2024", "2024-09"),
        ("March 2024", "2024-03"),
        ("Mar 11", None),
        ("2024-02-30", None),
        ("Marchy 11, 2024", None),
        ("someday", None),
        ("", None),
        (None, None),
    ],
)
def test_entry_dates(value, expected):
    assert parse_entry_date(value) == expected


def test_entry_date_without_year_takes_the_given_year():
    assert parse_entry_date("Mar 11", year=2024) == "2024-03-11"
    listing = parse_jsonl('{"title": "T", "abstract": "A.", "date": "Mar 11"}', "x", year=2024)
    assert (listing.date, listing.date_source) == ("2024-03-11", "config")


def test_jsonl_accepts_aliases_and_any_key_case():
    text = (
        '{"Title": "Alpha Paper", "Summary": "An abstract.", "update_date": "2024-05-02"}\n'
        '{"title": "Beta Paper", "abstract": "Another.", "date": "tomorrow"}\n'
        '{"title": 5, "abstract": "Numbers are not titles."}\n'
    )
    listing = parse_jsonl(text, "x")
    assert titles(listing) == ["Alpha Paper", "Beta Paper"]
    assert listing.papers[0].first_listed == "2024-05-02"
    assert messages(listing) == [
        (
            1,
            "1 of 2 entries have no date; they take the listing's date, its earliest entry's"
            " (2024-05-02)",
        ),
        (2, "date 'tomorrow' not understood; the entry takes the listing's date"),
        (3, "entry without title skipped"),
    ]


def test_csv_with_semicolons_and_tsv():
    semicolons = (
        'Title;Abstract Note;Publication Year\n"A; B";"An abstract; with a semicolon.";2023\n'
    )
    listing = parse_csv(semicolons, "x")
    assert titles(listing) == ["A; B"]
    assert listing.papers[0].abstract == "An abstract; with a semicolon."
    assert listing.papers[0].first_listed == "2023"
    tabs = "title\tabstract\nOne, Two\tThree, four.\n"
    assert titles(parse_csv(tabs, "x", delimiter="\t")) == ["One, Two"]


def test_tsv_keeps_quotes_of_a_hand_written_file_and_reads_a_spreadsheets_quoting():
    by_hand = 'title\tabstract\n"Attention" is all you need\tWe "show" things.\n'
    listing = parse_csv(by_hand, "x", delimiter="\t")
    assert titles(listing) == ['"Attention" is all you need']
    assert listing.papers[0].abstract == 'We "show" things.'
    spreadsheet = 'title\tabstract\n"A\ttabbed title"\t"An abstract ""quoted"" once."\n'
    listing = parse_csv(spreadsheet, "x", delimiter="\t")
    assert titles(listing) == ["A tabbed title"]
    assert listing.papers[0].abstract == 'An abstract "quoted" once.'


def test_csv_takes_each_rows_first_filled_date_column():
    text = (
        "Title,Abstract Note,Date,Publication Year\n"
        "Dated,An abstract.,2024-03-11,2024\n"
        "Zotero without a date,An abstract.,,2023\n"
    )
    listing = parse_csv(text, "x")
    assert [p.first_listed for p in listing.papers] == ["2024-03-11", "2023"]


def test_csv_row_with_an_unquoted_separator_is_skipped_with_its_line():
    text = "title,abstract\nGood,An abstract.\nBad, title,Its abstract.\nAlso good,Fine.\n"
    listing = parse_csv(text, "x", file="x.csv")
    assert titles(listing) == ["Good", "Also good"]
    assert [(w.line, w.message.split(" (")[0]) for w in listing.warnings] == [
        (1, "no entry has a date; the papers have no first date"),
        (3, "row has 3 fields, the header 2"),
    ]


def test_csv_row_with_a_stray_quote_is_skipped_not_misread():
    """A quote after a quoted cell's end ran the row's cells together (the title took the
    abstract, the abstract the date); a quote inside a cell of one line is text."""
    text = (
        'title,abstract,date\n"Broken, title,"Its abstract",2025-03-12\n'
        '"Attention" is all you need,Its abstract.,2025-03-12\n'
        '"Quoted, fine","Two\nlines.",2025-03-13\n'
        '"Runs on, and on\nT2,"abs2" x,2025\nLast,Fine.,2025\n'
    )
    listing = parse_csv(text, "x", file="x.csv")
    assert titles(listing) == ["Attention is all you need", "Quoted, fine", "Last"]
    assert [(w.line, w.message) for w in listing.warnings] == [
        (2, "row unreadable: a stray quote? (',' expected after '\"'); skipped"),
        (6, "lines 6-7 unreadable: a stray quote? (',' expected after '\"'); skipped"),
    ]
    # a header with a space after a quoted name is read as before
    assert titles(parse_csv('"title" ,"abstract"\nA,B\n', "y")) == ["A"]


def test_csv_without_an_abstract_column_is_one_clear_error():
    with pytest.raises(ListingError, match=r"^x\.csv: no 'abstract' column .*columns: title, x"):
        parse_csv("title,x\nA,B\n", "x", file="x.csv")


def test_bibtex_percent_duplicate_keys_and_broken_entries(caplog):
    text = (
        "@article{k, title = {Fifty {P}ercent},\n"
        "  abstract = {50% of all {\\'e}t{\\'e}s.}, year = 2023}\n"
        "@misc{k, title = {Same Key, Other Paper}, abstract = {Kept.}, year = 2022, month = {12}}\n"
        "@article{broken, title = {Never closed\n"
        "@misc{last, title = {Last}, abstract = {Still read.}, year = {2021}, month = {Sep}}\n"
    )
    listing = parse_bibtex(text, "x")
    assert titles(listing) == ["Fifty Percent", "Same Key, Other Paper", "Last"]
    assert listing.papers[0].abstract == "50% of all étés."
    assert [p.first_listed for p in listing.papers] == ["2023", "2022-12", "2021-09"]
    assert [(w.line, w.message[:30]) for w in listing.warnings] == [
        (3, "duplicate citation key; entry "),
        (4, "BibTeX entry unreadable (Unexp"),
    ]
    # the parser's own messages about the broken entry stay out of the log and the console
    assert not [r for r in caplog.records if r.name.startswith("bibtexparser")]
    assert logging.getLogger("bibtexparser").level == logging.NOTSET  # as it was


def test_bibtex_drops_citations_and_references_and_keeps_link_text():
    text = (
        "@article{k, title = {Distilling {BERT}}, year = 2023, abstract = {As in~\\cite{a,b}, "
        "we distil (\\citep[p.~3]{c}) a model; see Fig.~\\ref{f} and "
        "\\href{https://x.org}{our code}.}}\n"
    )
    listing = parse_bibtex(text, "x")
    assert listing.papers[0].abstract == "As in, we distil a model; see Fig. and our code."
    assert listing.warnings == []


def test_atom_with_html_text_and_a_file_that_is_no_feed():
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">A &lt;i&gt;Bold'
        '&lt;/i&gt; Title</title><summary type="html">Some &lt;b&gt;text&lt;/b&gt; &amp;amp; '
        "more.</summary><published>2024-02-03T00:00:00Z</published></entry></feed>"
    )
    listing = parse_atom(feed, "x")
    assert titles(listing) == ["A Bold Title"]
    assert listing.papers[0].abstract == "Some text & more."
    with pytest.raises(ListingError, match="no paper"):
        parse_atom("<html><body>Not a feed</body></html>", "x")


def test_arxiv_rss_descriptions_lose_their_announcement_lead():
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>cs.LG updates</title><item>'
        "<title>A Paper</title><description>arXiv:2403.01234v1 Announce Type: cross \n"
        "Abstract: The surge in interest.</description>"
        "<pubDate>Mon, 11 Mar 2024 00:00:00 -0400</pubDate></item></channel></rss>"
    )
    listing = parse_atom(rss, "x")
    assert listing.papers[0].abstract == "The surge in interest."
    assert listing.papers[0].first_listed == "2024-03-11"


def test_an_arxiv_api_error_response_is_no_paper():
    error = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>ArXiv Query</title><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>"
        "<title>Error</title><summary>incorrect id format for 1234.12345</summary>"
        "<updated>2024-03-16T00:00:00-04:00</updated></entry></feed>"
    )
    with pytest.raises(
        ListingError,
        match=r"^q\.xml: an arXiv API error response, not papers \(incorrect id format for 1234",
    ):
        parse_atom(error, "q", file="q.xml")


@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv", ".bib", ".atom"])
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary", "binary"),
        (b"just a line of words\n", "no paper|no .title. or .abstract. column|not an Atom feed"),
    ],
)
def test_unusable_files_raise_one_line_naming_the_file(tmp_path, suffix, content, reason):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(ListingError, match=reason) as err:
        read_listing(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "\n" not in str(err.value)


def test_unknown_extension_and_unreadable_file(tmp_path):
    with pytest.raises(ListingError, match=r"unknown listing format '\.pdf'"):
        listing_format(tmp_path / "paper.pdf")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ListingError, match=r"folder\.txt: cannot be read"):
        read_listing(folder)


def test_bibtex_year_month_and_day_give_the_full_date():
    text = (
        "@article{k, title = {Dated to the Day}, abstract = {An abstract.},\n"
        "  year = 2024, month = mar, day = 11}\n"
        "@misc{m, title = {Braced Fields}, abstract = {Another.}, year = {2024}, month = {3},"
        " day = {7}}\n"
    )
    listing = parse_bibtex(text, "x")
    assert [p.first_listed for p in listing.papers] == ["2024-03-11", "2024-03-07"]
    assert listing.warnings == []
