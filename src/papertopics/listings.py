"""Parsing of listing files into papers, and merging of papers across listings.

A listing is a text copy of a "daily papers" page: a few boilerplate header lines
(the last one is a date such as ``Mar 11``), then blank-line-separated paragraphs
that alternate title / abstract.  This module only depends on the standard library
so that the parse step of the workflow starts fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "LISTING_COLUMNS",
    "WARNING_COLUMNS",
    "Listing",
    "ListingError",
    "Paper",
    "ParseWarning",
    "listing_table",
    "merge_listings",
    "normalise_text",
    "paper_id",
    "parse_listing",
    "parse_listing_text",
    "read_listing_json",
    "read_papers",
    "resolve_year",
    "skipped_listing",
    "title_key",
    "warning_table",
    "write_listing_json",
    "write_papers",
    "write_rows",
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
_DATE_RE = re.compile(r"^(?P<mon>[A-Z][a-z]{2})[a-z]*\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?$")
#: A title is one short line; anything longer is taken for an abstract.
MAX_TITLE_CHARS = 300


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
    date_source: str  # "config", "mtime" or "none"
    papers: list[Paper]
    warnings: list[ParseWarning]
    skipped: str = ""  # why the whole file was skipped, "" when it was read


def skipped_listing(name: str, reason: str) -> Listing:
    """A listing that could not be read: no papers, one warning saying why."""
    return Listing(name, "", "none", [], [ParseWarning(name, 0, f"file skipped: {reason}")], reason)


def normalise_text(text: str) -> str:
    """Collapse all whitespace runs to one space and strip; keep every character.

    Args:
        text: Raw text.

    Returns:
        The text in Unicode NFC with single spaces.
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?")
_LATEX_MARKUP = re.compile(r"[$^_{}]")
_NON_WORD = re.compile(r"[^\w]+")


def title_key(title: str) -> str:
    """The identity of a title: case, accents, punctuation, LaTeX markup and spacing removed.

    ``"MoE$^2$: Optimizing ..."`` and ``"MoE2: optimizing ..."`` share a key, so do
    ``"TÜLU 3"`` and ``"Tulu 3"``.

    Args:
        title: A paper title.

    Returns:
        A lowercase ASCII-ish key of words separated by single spaces.
    """
    text = _LATEX_MARKUP.sub("", _LATEX_CMD.sub(" ", title))
    text = unicodedata.normalize("NFKD", text)
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


def _parse_date(line: str) -> tuple[int, int, int | None] | None:
    match = _DATE_RE.match(line.strip())
    if not match or match["mon"] not in MONTHS:
        return None
    month, day = MONTHS.index(match["mon"]) + 1, int(match["day"])
    year = int(match["year"]) if match["year"] else None
    try:
        dt.date(year or 2000, month, day)  # 2000 is a leap year: Feb 29 passes
    except ValueError:
        return None
    return month, day, year


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
    for year in (reference.year, reference.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # Feb 29 in a common year
            continue
        if candidate <= reference:
            return candidate
    return dt.date(reference.year - 1, month, min(day, 28))


def _paragraphs(lines: list[str]) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs with the 1-based line number where each starts."""
    paragraphs: list[tuple[int, str]] = []
    start, buf = 0, []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not buf:
                start = number
            buf.append(line.strip())
        elif buf:
            paragraphs.append((start, " ".join(buf)))
            buf = []
    if buf:
        paragraphs.append((start, " ".join(buf)))
    return paragraphs


def _looks_like_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_CHARS and len(text.split()) <= 40


def _looks_like_abstract(text: str) -> bool:
    return len(text) > MAX_TITLE_CHARS or (len(text.split()) >= 12 and text.rstrip()[-1:] in ".!?)")


def parse_listing_text(
    text: str,
    name: str,
    *,
    year: int | None = None,
    reference_date: dt.date | None = None,
) -> Listing:
    """Parse the text of one listing.

    Args:
        text: The file's content.
        name: The listing's name (used in warnings and as the paper's source).
        year: The year of the listing date, when known (from the config).
        reference_date: A date on or after the listing (the file's modification day),
            used to infer the year when ``year`` is None.

    Returns:
        The listing with its papers, in file order, and any warnings.

    Raises:
        ListingError: When the text holds no paper at all.
    """
    if not text.strip():
        raise ListingError(name, "the file is empty")
    if "\x00" in text:
        raise ListingError(name, "the file is binary, not a text listing")
    text = text.lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    paragraphs = _paragraphs(lines)
    warnings: list[ParseWarning] = []

    # Header: boilerplate lines, then the date line.
    date_iso, date_source = "", "none"
    body_start = 0
    for index, (_, para) in enumerate(paragraphs[:8]):
        if para.casefold() in BOILERPLATE:
            body_start = index + 1
            continue
        parsed = _parse_date(para)
        if parsed:
            month, day, given_year = parsed
            if given_year or year:
                date_iso, date_source = (
                    dt.date(given_year or year, month, day).isoformat(),
                    "config",
                )
            elif reference_date:
                date_iso, date_source = (
                    resolve_year(month, day, reference_date).isoformat(),
                    "mtime",
                )
            body_start = index + 1
        break
    if not date_iso:
        warnings.append(ParseWarning(name, 1, "no listing date (like 'Mar 11') in the header"))

    papers: list[Paper] = []
    body = paragraphs[body_start:]
    i = 0
    while i < len(body):
        line_no, title = body[i]
        if not _looks_like_title(title):
            warnings.append(
                ParseWarning(name, line_no, "paragraph without a title before it was skipped")
            )
            i += 1
            continue
        if i + 1 >= len(body) or not _looks_like_abstract(body[i + 1][1]):
            warnings.append(
                ParseWarning(
                    name, line_no, f"title without an abstract was skipped: {title[:80]!r}"
                )
            )
            i += 1
            continue
        abstract = body[i + 1][1]
        title, abstract = normalise_text(title), normalise_text(abstract)
        papers.append(Paper(paper_id(title), title, abstract, [name], date_iso))
        i += 2
    if not papers:
        raise ListingError(name, "no paper (a title line followed by an abstract paragraph) found")
    return Listing(name, date_iso, date_source, papers, warnings)


def parse_listing(path: str | Path, *, year: int | None = None) -> Listing:
    """Read and parse one listing file.

    Args:
        path: The listing file.
        year: The year of the listing date; when None it is inferred from the
            file's modification time.

    Returns:
        The parsed listing, named after the file's stem.

    Raises:
        ListingError: When the file is empty, binary or holds no paper.
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if b"\x00" in raw:
            raise ListingError(path, "the file is binary, not a text listing") from err
        raise ListingError(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from err
    mtime = dt.date.fromtimestamp(path.stat().st_mtime)
    try:
        return parse_listing_text(text, path.stem, year=year, reference_date=mtime)
    except ListingError as err:
        raise ListingError(path, err.reason) from None


def merge_listings(listings: Iterable[Listing]) -> list[Paper]:
    """Merge the papers of several listings into unique papers.

    Papers with the same :func:`paper_id` are one paper: it keeps the title and
    abstract of its earliest listing, every source listing, and the earliest date.

    Args:
        listings: Parsed listings, in any order.

    Returns:
        Unique papers, ordered by first listing date, then listing name, then position.
    """
    ordered = sorted(listings, key=lambda listing: (listing.date or "9999", listing.name))
    merged: dict[str, Paper] = {}
    for listing in ordered:
        for paper in listing.papers:
            known = merged.get(paper.paper_id)
            if known is None:
                merged[paper.paper_id] = Paper(
                    paper.paper_id, paper.title, paper.abstract, [listing.name], listing.date
                )
            elif listing.name not in known.sources:
                known.sources.append(listing.name)
                if listing.date and (not known.first_listed or listing.date < known.first_listed):
                    known.first_listed = listing.date
    return list(merged.values())


def write_listing_json(listing: Listing, path: str | Path) -> None:
    """Write a parsed listing as JSON (the parse step's output)."""
    Path(path).write_text(json.dumps(asdict(listing), ensure_ascii=False, indent=1), "utf-8")


def read_listing_json(path: str | Path) -> Listing:
    """Read a listing written by :func:`write_listing_json`."""
    data = json.loads(Path(path).read_text("utf-8"))
    return Listing(
        name=data["name"],
        date=data["date"],
        date_source=data["date_source"],
        papers=[Paper(**paper) for paper in data["papers"]],
        warnings=[ParseWarning(**warning) for warning in data["warnings"]],
        skipped=data.get("skipped", ""),
    )


def write_papers(papers: Iterable[Paper], path: str | Path) -> None:
    """Write papers as JSON lines, one paper per line, in the given order."""
    with Path(path).open("w", encoding="utf-8") as out:
        for paper in papers:
            out.write(json.dumps(asdict(paper), ensure_ascii=False) + "\n")


def read_papers(path: str | Path) -> list[Paper]:
    """Read papers written by :func:`write_papers`."""
    with Path(path).open(encoding="utf-8") as lines:
        return [Paper(**json.loads(line)) for line in lines if line.strip()]


def listing_table(listings: Iterable[Listing], papers: Iterable[Paper]) -> list[dict]:
    """One row per listing: name, date, where the year came from, papers, duplicates, state.

    ``n_duplicates`` counts the listing's papers whose first listing is another file.
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


def write_rows(rows: list[dict], path: str | Path, columns: Sequence[str]) -> None:
    """Write dict rows as a CSV file with the given columns (also when there are no rows)."""
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
