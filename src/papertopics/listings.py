"""Parsing of listing files into papers, and merging of papers across listings.

A listing is a text copy of a "daily papers" page: a few boilerplate header lines
(the last one is a date such as ``Mar 11``), then blank-line-separated paragraphs
that alternate title / abstract.  Copies from web pages are messy: page text such as
``Upvote 12`` or ``Submitted by …`` is skipped, an abstract split by a blank line is
joined, and whatever cannot be read is skipped with a warning naming its line.  The
other input formats (JSON lines, CSV, BibTeX, Atom) live in :mod:`papertopics.formats`.
This module only depends on the standard library (pylatexenc, for LaTeX markup, is imported only
when a listing holds some) so that the parse step starts fast.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from papertopics.latex import plain_text

__all__ = [
    "FILE_SKIPPED",
    "LISTING_COLUMNS",
    "NAME_DATE_DAYS",
    "NOT_A_LISTING",
    "WARNING_COLUMNS",
    "DamagedOutputError",
    "Listing",
    "ListingError",
    "Paper",
    "ParseWarning",
    "atomic_open",
    "decode_text",
    "dedupe_papers",
    "earliest_date",
    "listing_table",
    "merge_listings",
    "normalise_text",
    "paper_id",
    "parse_listing",
    "parse_listing_text",
    "read_listing_json",
    "read_papers",
    "read_rows",
    "resolve_year",
    "shorten",
    "skipped_listing",
    "skipped_state",
    "sorted_warnings",
    "title_key",
    "warning_table",
    "warnings_summary",
    "write_listing_json",
    "write_papers",
    "write_rows",
    "year_in_name",
]

LISTING_COLUMNS = (
    "listing",
    "listing_date",
    "date_source",
    "n_papers",
    "n_duplicates",
    "n_warnings",
    "skipped",
)
WARNING_COLUMNS = ("file", "line", "message")

#: Lines of the page chrome that precede the papers (compared case-insensitively).
BOILERPLATE = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "byak and the research community",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_RE = re.compile(
    r"^(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.? (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?$"
)
_ISO_DATE_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
#: A title is one short line; anything longer is taken for an abstract.
MAX_TITLE_CHARS = 300
#: How many leading paragraphs may hold page text before the listing date.
HEADER_PARAGRAPHS = 12

#: Lines of page text copied along with the papers: (kind, pattern), matched case-insensitively
#: against a whole stripped line.  Such lines are skipped wherever they are.
PAGE_TEXT = (
    (
        "upvotes",
        re.compile(r"(?:upvotes?|likes?)(?:\s*[:·]?\s*\d+)?|\d{1,6}|#\d+ paper of the day"),
    ),
    ("publication dates", re.compile(r"(?:published|submitted|updated)\s+on\b.*")),
    ("submitters", re.compile(r"submitted by\b.*")),
    ("author counts", re.compile(r"(?:·\s*)?\d+\s+authors?|authors?\s*:.*")),
    (
        "links and buttons",
        re.compile(
            r"view (?:arxiv page|pdf)|add to collection|community|comments?|share|github"
            r"|project page|paper page|abstract|pdf|arxiv:\s*\d{4}\.\d{4,5}(?:v\d+)?"
        ),
    ),
)
#: Page text is short: a longer line is never skipped as page text.
PAGE_TEXT_CHARS = 160
_URL = re.compile(r"https?://\S+")
_ABSTRACT_LABEL = re.compile(r"^abstract\s*(?:[:.]|\s[—–-]\s)\s*", re.IGNORECASE)
#: Name particles allowed in lowercase in an author line.
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "du", "bin"}


class ListingError(ValueError):
    """A listing file that cannot be used at all (empty, binary, no paper).

    Args:
        file: The file (or listing name).
        reason: What is wrong, without the file name.
    """

    def __init__(self, file: str | Path, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = str(file)
        self.reason = reason


@dataclass(frozen=True)
class ParseWarning:
    """Something in a listing that was skipped or repaired, with its place."""

    file: str
    line: int
    message: str


@dataclass
class Paper:
    """One paper as read from one listing (or merged from several)."""

    paper_id: str
    title: str
    abstract: str
    sources: list[str] = field(default_factory=list)
    first_listed: str = ""


@dataclass
class Listing:
    """The parsed content of one listing file."""

    name: str
    date: str  # ISO date, "" when the listing gives none
    # "file" (the date carries a year), "config", "name" (a date in the file's name), "mtime"
    # or "none"
    date_source: str
    papers: list[Paper]
    warnings: list[ParseWarning]
    skipped: str = ""  # why the whole file was skipped, "" when it was read
    file: str = ""  # the file's name ("" in a parse output written before it was kept)
    # of a skipped file: its size and modification time (config.listing_fingerprint) then,
    # which tells a strict run whether the file is still the one that was skipped
    file_stat: str = ""


#: How the parse warning of a skipped file begins; the reason follows.
FILE_SKIPPED = "file skipped: "
#: How a parse warning about a file that is no listing begins (the report groups them).
NOT_A_LISTING = "not a listing file"


def skipped_listing(
    name: str, reason: str, *, file: str | None = None, file_stat: str = ""
) -> Listing:
    """A listing that could not be read: no papers, one warning saying why.

    Args:
        name: The listing's name.
        reason: Why it was skipped (one line).
        file: The file named in the warning; defaults to ``name``.
        file_stat: The file's ``config.listing_fingerprint`` when it was read.

    Returns:
        An empty listing whose ``skipped`` field holds ``reason``.
    """
    warning = ParseWarning(file or name, 0, f"{FILE_SKIPPED}{reason}")
    return Listing(name, "", "none", [], [warning], reason, file or name, file_stat)


_INVISIBLE = {"Cf"}  # soft hyphens, zero-width spaces and joiners, byte-order marks


def shorten(text: str, limit: int) -> str:
    """``text`` on one line and at most ``limit`` characters, an ellipsis where it was cut.

    Args:
        text: Any text; whitespace runs become one space.
        limit: The longest result.

    Returns:
        The text, or its first ``limit - 1`` characters and "…".
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def normalise_text(text: str) -> str:
    """Collapse whitespace runs to one space and strip; drop invisible and control characters.

    Soft hyphens and zero-width spaces that web pages hide in words are removed, control
    characters become spaces; every other character is kept.

    Args:
        text: Raw text.

    Returns:
        The text in Unicode NFC with single spaces.
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isascii():
        text = "".join(
            "" if unicodedata.category(ch) in _INVISIBLE else ch
            for ch in text
            if ord(ch) < 0x80 or unicodedata.category(ch) != "Cc" or ch.isspace()
        )
    text = "".join(" " if ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in text)
    return " ".join(text.split())


_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?")
_LATEX_MARKUP = re.compile(r"[$^_{}]")
_NON_WORD = re.compile(r"[^\w]+")
#: Letters that Unicode decomposition does not reduce to ASCII.
_FOLD = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l"})


def title_key(title: str) -> str:
    """The identity of a title: case, accents, punctuation, LaTeX markup and spacing removed.

    ``"MoE$^2$: Optimizing ..."`` and ``"MoE2: optimizing ..."`` share a key, so do
    ``"TÜLU 3"``, ``"T{\\"U}LU 3"`` and ``"Tulu 3"``.

    Args:
        title: A paper title.

    Returns:
        A lowercase ASCII-ish key of words separated by single spaces.
    """
    # LaTeX read as text (accents, letters, math); what is left of it (an author's own
    # command, a dollar sign of money, "2^n") does not count either
    text = _LATEX_MARKUP.sub("", _LATEX_CMD.sub(" ", plain_text(title)))
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def paper_id(title: str) -> str:
    """A stable identifier derived from the normalised title.

    Args:
        title: A paper title.

    Returns:
        ``"p"`` followed by 12 hex digits of the SHA-1 of :func:`title_key`.
    """
    return "p" + hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:12]


def _looks_like_date(line: str) -> bool:
    """A listing date's form (``Mar 11``, ``March 11, 2025``, ``2025-03-11``), possible or not."""
    return bool(_DATE_RE.match(line.strip()) or _ISO_DATE_RE.match(line.strip()))


def _parse_date(line: str) -> tuple[int, int, int | None] | None:
    line = line.strip()
    if iso := _ISO_DATE_RE.match(line):
        month, day, year = int(iso["month"]), int(iso["day"]), int(iso["year"])
    elif match := _DATE_RE.match(line):
        month, day = MONTHS.index(match["mon"][:3]) + 1, int(match["day"])
        year = int(match["year"]) if match["year"] else None
    else:
        return None
    try:
        dt.date(2000, month, day)  # 2000 is a leap year: Feb 29 passes, checked later
    except ValueError:
        return None
    return month, day, year


#: How far (days) a date in a file's name may be from the listing's own to give its year.
NAME_DATE_DAYS = 7
_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?!\d)")


def year_in_name(file: str, month: int, day: int) -> int | None:
    """The year of ``month``/``day`` after a date in a file's name, when that is near it.

    ``arxiv_2025-03-18.txt``, ``papers_20250318.txt`` or ``2025.03.18.txt`` saved with the
    listing of ``Mar 18`` date it in 2025, whenever the file was copied. A name's date may be
    the day the listing was saved rather than its own (``2025-03-19`` for ``Mar 18``): a
    listing date within :data:`NAME_DATE_DAYS` days of the name's takes the year that puts
    it nearest (``Dec 31`` in ``2025-01-02.txt`` is of 2024).

    Args:
        file: The file's name.
        month: The listing date's month.
        day: Its day.

    Returns:
        The year, or None when the name holds no date near this one.
    """
    for match in _NAME_DATE.finditer(Path(file).name):
        try:  # 2025-02-29 is no date
            named = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        for year in (named.year, named.year - 1, named.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:  # Feb 29 in a common year
                continue
            if abs((candidate - named).days) <= NAME_DATE_DAYS:
                return year
    return None


def resolve_year(month: int, day: int, reference: dt.date) -> dt.date:
    """The date of ``month``/``day`` in the year that makes it not later than ``reference``.

    A listing saved on 2 January that says ``Dec 31`` belongs to the previous year.

    Args:
        month: Month number.
        day: Day of month.
        reference: A date known to be on or after the listing (the file's modification day).

    Returns:
        The resolved date.
    """
    # Feb 29 exists in leap years only: up to eight years back to find one
    for year in range(reference.year, reference.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # Feb 29 in a common year
            continue
        if candidate <= reference:
            return candidate
    return dt.date(reference.year - 1, month, min(day, 28))  # no such day (Feb 30)


#: Byte-order marks of the wide encodings (UTF-32 first: its little-endian mark begins with
#: UTF-16's).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(raw: bytes, file: str) -> tuple[str, list[ParseWarning]]:
    """Decode a listing file's bytes: UTF-8 (with or without a byte-order mark), else cp1252.

    UTF-16 and UTF-32 are read when the file starts with their byte-order mark, as Notepad's
    "Unicode" and Excel's "Unicode Text" files do.

    Args:
        raw: The file's content.
        file: The file, named in errors and warnings.

    Returns:
        The text (newlines as in the file) and a warning when it was not UTF-8.

    Raises:
        ListingError: When the file is empty or binary.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            try:
                raw = raw.decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                raise ListingError(
                    file, f"the file starts as {encoding.upper()} but is not valid {encoding}"
                ) from None
            break
    if not raw.strip():
        raise ListingError(file, "the file is empty")
    warnings = []
    nuls = raw.count(b"\x00")
    if nuls > len(raw) // 1000:  # a binary file, or UTF-16 without its mark
        raise ListingError(file, "the file is binary, not a text listing")
    if nuls:  # a few stray NUL bytes in a text (a copy or disk error): dropped
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        warnings.append(
            ParseWarning(
                file, line, f"{nuls} NUL byte{'s' * (nuls > 1)} removed (first on this line)"
            )
        )
        raw = raw.replace(b"\x00", b"")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        try:
            text, encoding = raw.decode("cp1252"), "Windows-1252 (cp1252)"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "Latin-1"
        warnings.append(
            ParseWarning(file, line, f"not UTF-8 (first odd byte on this line); read as {encoding}")
        )
    controls = sum(
        unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v" for ch in text[:100_000]
    )
    if controls > 1 + len(text[:100_000]) // 100:
        raise ListingError(file, "the file is binary, not a text listing")
    return text, warnings


def _page_text_kind(line: str) -> str | None:
    for kind, pattern in PAGE_TEXT:
        if pattern.fullmatch(line.casefold()):
            return kind
    return None


@dataclass
class _Paragraph:
    line: int  # 1-based line where it starts
    text: str  # its lines joined by single spaces
    lines: list[tuple[int, str]]


def _paragraphs(lines: Sequence[str]) -> list[_Paragraph]:
    """Blank-line separated paragraphs with the 1-based line number where each starts.

    A paragraph that holds a line longer than a title (an unwrapped abstract) is split
    into its lines, runs of short lines kept together: the file puts one title or
    abstract on each line without blank lines between them.
    """
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            blocks[-1].append((number, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    paragraphs = []
    for block in filter(None, blocks):
        groups: list[list[tuple[int, str]]] = [block]
        if len(block) > 1 and any(len(text) > MAX_TITLE_CHARS for _, text in block):
            groups = []
            for item in block:
                if (
                    len(item[1]) > MAX_TITLE_CHARS
                    or not groups
                    or len(groups[-1][-1][1]) > (MAX_TITLE_CHARS)
                ):
                    groups.append([item])
                else:
                    groups[-1].append(item)
        for group in groups:
            text = " ".join(text for _, text in group)
            paragraphs.append(_Paragraph(group[0][0], text, group))
    return paragraphs


def _looks_like_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_CHARS and len(text.split()) <= 40


def _looks_like_abstract(text: str) -> bool:
    return len(text) > MAX_TITLE_CHARS or (len(text.split()) >= 12 and text.rstrip()[-1:] in ".!?)")


def _looks_like_tail(text: str) -> bool:
    """A short paragraph that ends an abstract (a code link, a closing sentence)."""
    return bool(_URL.search(text)) or (len(text.split()) >= 4 and text.rstrip()[-1:] in ".!")


def _looks_like_authors(text: str) -> bool:
    """A line of two or more author names: ``Ada Lovelace, Alan M. Turing and Grace Hopper``."""
    if re.search(r"\bet al\.?$", text):
        return True
    parts = [part for part in re.split(r"\s*(?:,|;|·|&|\band\b)\s*", text) if part]
    if len(parts) < 2:  # one "name" is as likely a short title in title case
        return False
    for part in parts:
        words = part.split()
        if not 2 <= len(words) <= 5:
            return False
        for word in words:
            if word in _PARTICLES:
                continue
            if not word[0].isupper() or any(ch.isdigit() for ch in word):
                return False
            if not all(ch.isalpha() or ch in ".'’-" for ch in word):
                return False
    return True


def _line_pairs(para: _Paragraph) -> list[tuple[int, str, list[str]]]:
    """A paragraph whose lines alternate title / abstract, as entries; [] when it is not."""
    lines = para.lines
    if len(lines) < 2 or len(lines) % 2:
        return []
    pairs = []
    for (line_no, title), (_, abstract) in zip(lines[::2], lines[1::2], strict=True):
        if not _looks_like_title(title) or not _looks_like_abstract(abstract):
            return []
        pairs.append((line_no, title, [abstract]))
    return pairs


def _clean_abstract(text: str) -> str:
    return _ABSTRACT_LABEL.sub("", text, count=1)


def _find_header(paragraphs: list[_Paragraph]) -> tuple[int, tuple[int, int, int | None] | None]:
    """Where the body starts, and the listing date if the header holds one.

    A date line of a day that no month has (``Feb 30``) ends the header too, without a date.
    """
    for index, para in enumerate(paragraphs[:HEADER_PARAGRAPHS]):
        if _looks_like_abstract(para.text) or not _looks_like_title(para.text):
            break
        parsed = _parse_date(para.text)
        if parsed or _looks_like_date(para.text):
            return index + 1, parsed
    start = 0
    while start < len(paragraphs) and paragraphs[start].text.casefold() in BOILERPLATE:
        start += 1
    return start, None


def parse_listing_text(
    text: str,
    name: str,
    *,
    year: int | None = None,
    reference_date: dt.date | None = None,
    file: str | None = None,
) -> Listing:
    """Parse the text of one listing.

    Page text (``Upvote 12``, ``Published on Mar 11``, ``Submitted by …``, author lines)
    is skipped with a warning, an abstract split by a blank line is joined, a title
    wrapped over several lines is one title, and a title without an abstract or a
    paragraph that is neither is skipped with a warning naming its line.

    Args:
        text: The file's content.
        name: The listing's name (the papers' source).
        year: The year of the listing date, when known (from the config).
        reference_date: A date on or after the listing (the file's modification day),
            used to infer the year when ``year`` is None and the file's name holds no date
            within a week of the listing's (:func:`year_in_name`).
        file: The file named in warnings and errors; defaults to ``name``.

    Returns:
        The listing with its papers, in file order, and any warnings.

    Raises:
        ListingError: When the text is empty, binary or holds no paper at all.
    """
    file = file or name
    if not text.strip("\ufeff \t\r\n"):
        raise ListingError(file, "the file is empty")
    if "\x00" in text:
        raise ListingError(file, "the file is binary, not a text listing")
    text = text.lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    warnings: list[ParseWarning] = []

    # Page text copied along with the papers: skipped, one warning per kind.
    skipped: dict[str, list[tuple[int, str]]] = {}
    for index, line in enumerate(lines):
        kind = _page_text_kind(line.strip()) if 0 < len(line.strip()) <= PAGE_TEXT_CHARS else None
        if kind:
            skipped.setdefault(kind, []).append((index + 1, line.strip()))
            lines[index] = ""
    paragraphs = _paragraphs(lines)

    # Header: page chrome, then the date line.
    body_start, parsed = _find_header(paragraphs)
    # the header's last line, when it has a date's form (a possible date or not)
    date_line = paragraphs[body_start - 1] if body_start else None
    if date_line is not None and not _looks_like_date(date_line.text):
        date_line = None
    date_iso, date_source = "", "none"
    if parsed:
        month, day, given_year = parsed
        try:
            if given_year:
                date_iso, date_source = dt.date(given_year, month, day).isoformat(), "file"
            elif year:
                date_iso, date_source = dt.date(year, month, day).isoformat(), "config"
            elif named := year_in_name(file, month, day):
                date_iso, date_source = dt.date(named, month, day).isoformat(), "name"
            elif reference_date:
                date_iso = resolve_year(month, day, reference_date).isoformat()
                date_source = "mtime"
        except ValueError:  # Feb 29 of a common year
            warnings.append(
                ParseWarning(
                    file,
                    date_line.line,
                    f"listing date {date_line.text!r} does not exist in {given_year or year}; "
                    "the listing has no date",
                )
            )
    elif date_line is not None:
        warnings.append(
            ParseWarning(
                file,
                date_line.line,
                f"listing date {date_line.text!r} does not exist; the listing has no date",
            )
        )
    else:
        warnings.append(ParseWarning(file, 1, "no listing date (like 'Mar 11') in the header"))
    if date_line is not None:
        for para in paragraphs[: body_start - 1]:  # the page chrome above the date
            if para.text.casefold() not in BOILERPLATE:
                skipped.setdefault("header lines", []).append((para.line, para.text))

    body = []
    for para in paragraphs[body_start:]:
        if para.text.casefold() in BOILERPLATE or _parse_date(para.text):
            skipped.setdefault("page headers", []).append((para.line, para.text))
        else:
            body.append(para)
    for kind, items in skipped.items():
        (line_no, example), more = items[0], len(items) - 1
        message = f"page text skipped ({kind}): {example[:60]!r}"
        if more:
            message += f" and {more} more such line{'s' if more > 1 else ''}"
        warnings.append(ParseWarning(file, line_no, message))

    papers: list[Paper] = []
    entries: list[tuple[int, str, list[str]]] = []  # line, title, abstract paragraphs
    after_abstract = False  # the previous paragraph ended an abstract
    i = 0
    while i < len(body):
        para = body[i]
        following = [p.text for p in body[i + 1 : i + 3]]
        title_like = _looks_like_title(para.text)
        if title_like and following and _looks_like_abstract(following[0]):
            entries.append((para.line, para.text, [following[0]]))
            after_abstract, i = True, i + 2
            continue
        if (
            title_like
            and len(following) == 2
            and _looks_like_authors(following[0])
            and _looks_like_abstract(following[1])
        ):
            warnings.append(
                ParseWarning(file, body[i + 1].line, f"author line skipped: {following[0][:60]!r}")
            )
            entries.append((para.line, para.text, [following[1]]))
            after_abstract, i = True, i + 3
            continue
        if after_abstract and (
            _looks_like_abstract(para.text) or not title_like or _looks_like_tail(para.text)
        ):
            entries[-1][2].append(para.text)
            warnings.append(
                ParseWarning(file, para.line, "abstract continued after a blank line; joined")
            )
            i += 1
            continue
        after_abstract = False
        pairs = _line_pairs(para)
        if pairs:
            entries.extend(pairs)
            warnings.append(
                ParseWarning(
                    file,
                    para.line,
                    "titles and abstracts not separated by blank lines; read one per line",
                )
            )
            after_abstract = True
        elif title_like:
            warnings.append(
                ParseWarning(
                    file, para.line, f"title without an abstract skipped: {para.text[:80]!r}"
                )
            )
        elif len(para.lines) > 1 and _looks_like_title(para.lines[0][1]):
            rest = " ".join(text for _, text in para.lines[1:])
            if _looks_like_abstract(rest):
                entries.append((para.line, para.lines[0][1], [rest]))
                warnings.append(
                    ParseWarning(
                        file,
                        para.line,
                        "title and abstract not separated by a blank line; "
                        "took the first line as the title",
                    )
                )
                after_abstract = True
            else:
                warnings.append(
                    ParseWarning(file, para.line, "paragraph without a title before it skipped")
                )
        else:
            warnings.append(
                ParseWarning(file, para.line, "paragraph without a title before it skipped")
            )
        i += 1

    starts = []
    for line_no, title, abstract in entries:
        title = plain_text(normalise_text(title))
        abstract = plain_text(_clean_abstract(normalise_text(" ".join(abstract))))
        if not title_key(title):
            warnings.append(ParseWarning(file, line_no, f"title has no letters: {title[:60]!r}"))
            continue
        papers.append(Paper(paper_id(title), title, abstract, [name], date_iso))
        starts.append(line_no)
    papers = dedupe_papers(papers, starts, file, warnings)
    if not papers:
        raise ListingError(file, "no paper (a title line followed by an abstract paragraph) found")
    return Listing(name, date_iso, date_source, papers, sorted_warnings(warnings))


def dedupe_papers(
    papers: list[Paper], lines: list[int], file: str, warnings: list[ParseWarning]
) -> list[Paper]:
    """Merge repeated entries of one file into their first entry (keeping the earliest date).

    Args:
        papers: The file's papers in file order.
        lines: The line where each paper starts.
        file: The file named in warnings.
        warnings: Receives one warning per repeated entry.

    Returns:
        The papers without repeats, in file order.
    """
    first: dict[str, tuple[Paper, int]] = {}
    unique = []
    for paper, line in zip(papers, lines, strict=True):
        known = first.get(paper.paper_id)
        if known is None:
            first[paper.paper_id] = (paper, line)
            unique.append(paper)
            continue
        known[0].first_listed = earliest_date(known[0].first_listed, paper.first_listed)
        warnings.append(
            ParseWarning(file, line, f"same paper as line {known[1]}; merged: {paper.title[:60]!r}")
        )
    return unique


def sorted_warnings(warnings: Iterable[ParseWarning]) -> list[ParseWarning]:
    """Warnings in line order (stable for warnings on the same line)."""
    return sorted(warnings, key=lambda warning: warning.line)


def parse_listing(path: str | Path, *, year: int | None = None, name: str | None = None) -> Listing:
    """Read and parse one listing file of any supported format (by its extension).

    Args:
        path: The listing file.
        year: The year of listing dates that give none; when None it is inferred from
            the file's modification time.
        name: The listing's name; defaults to the file's stem.

    Returns:
        The parsed listing.

    Raises:
        ListingError: When the file is empty, binary or holds no paper.
    """
    from papertopics.formats import read_listing  # the formats import this module

    return read_listing(path, year=year, name=name)


def earliest_date(first: str, second: str) -> str:
    """The earlier of two ISO dates of any precision (``2024``, ``2024-03``, ``2024-03-11``).

    A date that only refines the other (``2024-03-11`` within ``2024-03``) wins, so a
    paper keeps the most precise first date it has; an empty date loses.

    Args:
        first: An ISO date or "".
        second: An ISO date or "".

    Returns:
        The earlier date.
    """
    if not first or not second:
        return first or second
    if first.startswith(second) or second.startswith(first):
        return max(first, second, key=len)
    return min(first, second)


def _entry_date(paper: Paper, listing: Listing) -> str:
    return paper.first_listed or listing.date


def merge_listings(listings: Iterable[Listing]) -> list[Paper]:
    """Merge the papers of several listings into unique papers.

    Papers with the same :func:`paper_id` are one paper: it keeps the title and
    abstract of its earliest listing, every source listing, and the earliest date
    (an entry's own date where the format gives one, else its listing's date). A later
    entry whose abstract differs gets a warning in its listing's ``warnings``, naming the
    file whose abstract is kept; a first entry without an abstract takes a later one's.

    Args:
        listings: Parsed listings, in any order.

    Returns:
        Unique papers, ordered by first listing date, then listing name, then position.
    """
    ordered = sorted(listings, key=lambda listing: (listing.date or "9999", listing.name))
    merged: dict[str, Paper] = {}
    kept_from: dict[str, str] = {}
    for listing in ordered:
        file = listing.file or listing.name
        for paper in listing.papers:
            date = _entry_date(paper, listing)
            known = merged.get(paper.paper_id)
            if known is None:
                merged[paper.paper_id] = Paper(
                    paper.paper_id, paper.title, paper.abstract, [listing.name], date
                )
                kept_from[paper.paper_id] = file
                continue
            if listing.name not in known.sources:
                known.sources.append(listing.name)
            known.first_listed = earliest_date(known.first_listed, date)
            if not known.abstract:  # a source without abstracts (a CSV export) listed it first
                known.abstract = paper.abstract
                kept_from[paper.paper_id] = file
            elif paper.abstract and title_key(paper.abstract) != title_key(known.abstract):
                # compared as titles are: a copy's case, accents, markup and spacing do not count
                kept = kept_from[paper.paper_id]
                warning = ParseWarning(
                    file,
                    0,
                    f"same paper as in {kept} with another abstract; the abstract of {kept} "
                    f"(listed first) is kept: {paper.title[:60]!r}",
                )
                if warning not in listing.warnings:  # merging the same listings again
                    listing.warnings.append(warning)
    return list(merged.values())


def _umask() -> int:
    """The process's file-creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path`` that replaces ``path`` only once it is complete.

    An interrupted writer leaves the previous ``path`` as it was (and at most a hidden
    temporary file). The file gets the permissions :func:`open` would give it (the umask
    applies), so colleagues on a shared file system can read what the pipeline wrote.

    Args:
        path: The file to write.
        mode: ``"w"`` or ``"wb"``.
        **kwargs: Passed to :func:`open` (``encoding``, ``newline``).

    Yields:
        The open temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it what open() would (0666 less umask)
        os.fchmod(handle, 0o666 & ~_umask())
        with open(handle, mode, **kwargs) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def skipped_state(path: str | Path) -> tuple[str, str]:
    """Why the parse output at ``path`` is a skipped listing ("" when it was read, or is
    missing), and the skipped file's ``file_stat`` ("" when not kept).

    Cheap for every listing on every run: the output of a skipped listing holds no paper, so
    only small files are read.
    """
    path = Path(path)
    try:
        if path.stat().st_size > 4096:
            return "", ""
        data = json.loads(path.read_text("utf-8"))
        return data.get("skipped", ""), data.get("file_stat", "")
    except (OSError, ValueError):
        return "", ""


def write_listing_json(listing: Listing, path: str | Path) -> None:
    """Write a parsed listing as JSON (the parse step's output), atomically."""
    with atomic_open(path, encoding="utf-8") as out:
        out.write(json.dumps(asdict(listing), ensure_ascii=False, indent=1))


class DamagedOutputError(ValueError):
    """An output of an earlier job that cannot be read (cut short, edited): the message names
    it and says to delete it, so that Snakemake makes it again."""

    def __init__(self, path: str | Path, detail: str):
        super().__init__(f"{path}: damaged ({detail}); delete it and run again")


def read_listing_json(path: str | Path) -> Listing:
    """Read a listing written by :func:`write_listing_json`.

    Raises:
        DamagedOutputError: The file is not such a listing.
    """
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        return Listing(
            name=data["name"],
            date=data["date"],
            date_source=data["date_source"],
            papers=[Paper(**paper) for paper in data["papers"]],
            warnings=[ParseWarning(**warning) for warning in data["warnings"]],
            skipped=data.get("skipped", ""),
            file=data.get("file", ""),
            file_stat=data.get("file_stat", ""),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise DamagedOutputError(path, f"{type(err).__name__}: {err}") from None


def write_papers(papers: Iterable[Paper], path: str | Path) -> None:
    """Write papers as JSON lines, one paper per line, in the given order, atomically."""
    with atomic_open(path, encoding="utf-8") as out:
        for paper in papers:
            out.write(json.dumps(asdict(paper), ensure_ascii=False) + "\n")


def read_papers(path: str | Path) -> list[Paper]:
    """Read papers written by :func:`write_papers`.

    Raises:
        DamagedOutputError: A line is not such a paper (the message names it).
    """
    papers = []
    with Path(path).open("rb") as lines:  # decoded line by line: a bad byte names its line
        for number, line in enumerate(lines, 1):
            try:
                if line.strip():
                    papers.append(Paper(**json.loads(line.decode("utf-8"))))
            except (ValueError, TypeError) as err:  # UnicodeDecodeError is a ValueError
                detail = f"line {number}: {type(err).__name__}: {err}"
                raise DamagedOutputError(path, detail) from None
    return papers


def listing_table(listings: Iterable[Listing], papers: Iterable[Paper]) -> list[dict]:
    """One row per listing: name, date, where the year came from, papers, duplicates, state.

    ``n_duplicates`` counts the listing's papers whose first listing is another file.

    Args:
        listings: The parsed listings.
        papers: The merged papers (see :func:`merge_listings`).

    Returns:
        Rows with the keys of :data:`LISTING_COLUMNS`, sorted by listing name.
    """
    first_source = {paper.paper_id: paper.sources[0] for paper in papers}
    rows = []
    for listing in sorted(listings, key=lambda item: item.name):
        duplicates = sum(first_source.get(p.paper_id) != listing.name for p in listing.papers)
        rows.append(
            {
                "listing": listing.name,
                "listing_date": listing.date,
                "date_source": listing.date_source,
                "n_papers": len(listing.papers),
                "n_duplicates": duplicates,
                "n_warnings": len(listing.warnings),
                "skipped": listing.skipped,
            }
        )
    return rows


def warning_table(listings: Iterable[Listing]) -> list[dict]:
    """Every parse warning of every listing, as rows ``file, line, message``."""
    return [
        asdict(warning)
        for listing in sorted(listings, key=lambda item: item.name)
        for warning in listing.warnings
    ]


def read_rows(path: str | Path) -> list[dict]:
    """The rows of a CSV file written by :func:`write_rows`, as dicts of text."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def warnings_summary(path: str | Path) -> str | None:
    """One line for the terminal about a ``parse_warnings.csv``; None when it has no rows.

    Args:
        path: The table (``file, line, message``); a missing file counts as empty.
    """
    try:
        rows = read_rows(path)
    except FileNotFoundError:
        return None
    # other files of the folder (a README, a subfolder) are noted, but are no listing's problem
    rows = [row for row in rows if not row["message"].startswith(NOT_A_LISTING)]
    if not rows:
        return None
    files = {row["file"] for row in rows}
    skipped = sum(row["message"].startswith(FILE_SKIPPED) for row in rows)
    return (
        f"{len(rows)} problem{'s' if len(rows) != 1 else ''} reading the listings, in "
        f"{len(files)} file{'s' if len(files) != 1 else ''}"
        + (f" ({skipped} skipped whole)" if skipped else "")
        + f": see {Path(path).as_posix()} or the top of the report"
    )


def write_rows(rows: list[dict], path: str | Path, columns: Sequence[str]) -> None:
    """Write dict rows as a CSV file with the given columns (also when there are no rows).

    The file is replaced atomically.
    """
    with atomic_open(path, encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
