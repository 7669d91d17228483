"""Property tests of the parsers: they never crash, and never lose a well-formed entry.

Random papers are rendered in every format (and as messy page text: CRLF, a byte-order
mark, extra blank lines, wrapped titles and abstracts), parsed back and compared.
"""

import csv
import io
import json
import re
import textwrap
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papertopics.formats import parse_bytes
from papertopics.latex import plain_text
from papertopics.listings import ListingError, normalise_text, title_key

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éüÜßøçñÅ"
SYMBOLS = "%$&()<>\"'#_{}~^\\/;:,!?+=*@|-"
FIRST_WORDS = ["Learning", "Towards", "Scaling", "Efficient", "Sparse", "Neural", "On", "MoE$^2$:"]
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\nMar 11\n\n"
)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

word = st.text(alphabet=LETTERS, min_size=1, max_size=10)
symbol_word = st.builds(
    lambda a, s, b: a + s + b, word, st.text(alphabet=SYMBOLS, min_size=1, max_size=2), word
)
title = st.builds(
    lambda first, rest: " ".join([first, *rest]),
    st.sampled_from(FIRST_WORDS),
    st.lists(st.one_of(word, word, symbol_word), min_size=2, max_size=14),
)
abstract = st.builds(
    lambda words: "We " + " ".join(words) + ".",
    st.lists(st.one_of(word, word, word, symbol_word), min_size=12, max_size=90),
)
papers = st.lists(
    st.tuples(title, abstract), min_size=1, max_size=8, unique_by=lambda p: title_key(p[0])
)


def render_text(items, draw_options) -> bytes:
    newline, bom, blank, wrap_title, wrap_abstract = draw_options
    paragraphs = []
    for t, a in items:
        if wrap_title and " " in t:
            head, _, tail = t.partition(" ")
            t = f"{head}\n{tail}"
        if wrap_abstract:
            a = "\n".join(textwrap.wrap(a, 70, break_long_words=False, break_on_hyphens=False))
        paragraphs += [t, a]
    text = HEADER + ("\n" * (blank + 2)).join(paragraphs) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8")


def render_jsonl(items, ascii_only) -> bytes:
    lines = [json.dumps({"title": t, "abstract": a}, ensure_ascii=ascii_only) for t, a in items]
    return "\n".join(lines).encode("utf-8")


def render_csv(items, delimiter, quoting) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting)
    writer.writerow(["title", "abstract"])
    writer.writerows(items)
    return out.getvalue().encode("utf-8")


BIB_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "~": r"\textasciitilde{}",
}


def bib_escape(text: str) -> str:
    """Escape plain text as a reference manager would for a braced BibTeX field."""
    text = "".join(BIB_ESCAPES.get(ch, ch) for ch in text)
    # Ligatures: -- (en dash), '' and `` (quotes) are broken up as in LaTeX sources.
    return re.sub(r"(?<=[-'])(?=[-'])", "{}", text)


def render_bibtex(items) -> bytes:
    entries = [
        f"@article{{key{i},\n  title = {{{bib_escape(t)}}},\n  abstract = {{{bib_escape(a)}}},\n}}"
        for i, (t, a) in enumerate(items)
    ]
    return "\n\n".join(entries).encode("utf-8")


def render_atom(items) -> bytes:
    entries = "".join(
        f"<entry><title>{escape(t)}</title><summary>{escape(a)}</summary></entry>\n"
        for t, a in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom">\n{entries}</feed>\n'
    ).encode()


def plain(items, *, bibtex=False):
    if bibtex:  # escaped as a reference manager would: "MoE$^2$" as \$^2\$, read back as it was
        return [(normalise_text(t), normalise_text(a)) for t, a in items]
    return [(plain_text(normalise_text(t)), plain_text(normalise_text(a))) for t, a in items]


def parsed(raw: bytes, kind: str):
    listing = parse_bytes(raw, kind, "random", year=2024)
    return [(p.title, p.abstract) for p in listing.papers]


text_options = st.tuples(
    st.sampled_from(["\n", "\r\n"]), st.booleans(), st.integers(0, 2), st.booleans(), st.booleans()
)


@PROPERTY
@given(papers, text_options)
def test_page_text_keeps_every_entry(items, options):
    listing = parse_bytes(render_text(items, options), "text", "random", year=2024)
    assert [(p.title, p.abstract) for p in listing.papers] == plain(items)
    assert listing.warnings == []
    assert listing.date == "2024-03-11"


@PROPERTY
@given(papers, st.booleans())
def test_jsonl_keeps_every_entry(items, ascii_only):
    assert parsed(render_jsonl(items, ascii_only), "jsonl") == plain(items)


@PROPERTY
@given(
    papers, st.sampled_from([",", ";", "\t"]), st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
)
def test_csv_keeps_every_entry(items, delimiter, quoting):
    assert parsed(render_csv(items, delimiter, quoting), "csv") == plain(items)


@PROPERTY
@given(papers)
def test_bibtex_keeps_every_entry(items):
    assert parsed(render_bibtex(items), "bibtex") == plain(items, bibtex=True)


@PROPERTY
@given(papers)
def test_atom_keeps_every_entry(items):
    assert parsed(render_atom(items), "atom") == plain(items)


KINDS = ["text", "jsonl", "csv", "bibtex", "atom"]
#: Text that looks a little like listings: lines of words, numbers, braces, quotes, tags.
listing_like = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "",
                "Mar 11",
                "Upvote",
                "12",
                "{",
                "}",
                '"',
                "@article{k,",
                "title = {",
                "<entry>",
                "</entry>",
                "<title>",
                "title,abstract",
                '{"title": "x"',
                "\ufeff",
                "\x00",
                "\r",
            ]
        ),
        abstract,
        title,
    ),
    max_size=30,
).map("\n".join)


def check_outcome(raw: bytes, kind: str) -> None:
    """Parsing either gives a listing with clean papers and one-line warnings, or one error."""
    n_lines = raw.count(b"\n") + raw.count(b"\r") + 1
    try:
        listing = parse_bytes(raw, kind, "random", file="random.x", year=2024)
    except ListingError as err:
        message = str(err)
    else:
        message = ""
    if message:
        assert message.startswith("random.x: ")
        assert "\n" not in message and "\r" not in message
        return
    assert listing.papers
    for paper in listing.papers:
        assert paper.title and paper.abstract
        assert paper.title == normalise_text(paper.title)
        assert paper.abstract == normalise_text(paper.abstract)
    for warning in listing.warnings:
        assert warning.file == "random.x"
        assert 0 <= warning.line <= n_lines
        assert "\n" not in warning.message and "\r" not in warning.message


@PROPERTY
@given(listing_like, st.sampled_from(KINDS))
def test_listing_like_text_never_crashes(text, kind):
    check_outcome(text.encode("utf-8", errors="surrogatepass"), kind)


@PROPERTY
@given(st.binary(max_size=400), st.sampled_from(KINDS))
def test_random_bytes_never_crash(raw, kind):
    check_outcome(raw, kind)
