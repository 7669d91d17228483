"""Readers for every listing format, chosen by the file's extension.

- ``.txt``: a text copy of a "daily papers" page (see :mod:`papertopics.listings`).
- ``.jsonl`` (``.ndjson``, ``.json``): JSON lines, one object per line with ``title``,
  ``abstract`` and optional ``date``, ``id``, ``url``, or a JSON array of such objects.
- ``.csv`` (``.tsv``): a header row naming the same columns, then one paper per row; a
  ``.csv`` separated by ``;`` or tabs is recognised from its header.
- ``.bib``: BibTeX entries with ``title`` and ``abstract`` fields (bibtexparser 2);
  ``date``, or ``year`` and ``month``, give the entry's date.
- ``.atom`` (``.xml``): an arXiv API export (Atom XML, read with feedparser).

Every reader returns a :class:`~papertopics.listings.Listing`.  Entries that cannot be
read are skipped with a warning naming the file and line; a file that is empty, binary or
holds no paper raises :class:`~papertopics.listings.ListingError`.  In the structured
formats each entry may carry its own date; it becomes the paper's ``first_listed``, and
the listing's date is the earliest of them.  The third-party parsers are imported only
when a file of their format is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import html
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from papertopics.latex import latex_to_text, plain_text
from papertopics.listings import (
    MONTHS,
    Listing,
    ListingError,
    Paper,
    ParseWarning,
    decode_text,
    dedupe_papers,
    normalise_text,
    paper_id,
    parse_listing_text,
    shorten,
    sorted_warnings,
    title_key,
)

__all__ = [
    "FORMATS",
    "listing_format",
    "parse_atom",
    "parse_bibtex",
    "parse_bytes",
    "parse_csv",
    "parse_entry_date",
    "parse_jsonl",
    "read_listing",
]

#: Listing format by file extension (lowercase).
FORMATS = {
    ".txt": "text",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".bib": "bibtex",
    ".atom": "atom",
    ".xml": "atom",
}
#: Column / field names accepted for each value (compared case-insensitively, ``_`` = space).
FIELDS = {
    "title": ("title",),
    "abstract": ("abstract", "summary", "abstract note", "abstractnote", "description"),
    "date": ("date", "published", "publication date", "publication year", "year", "update date"),
}
#: Month by abbreviation or full name, lowercase.
_MONTHS_BY_NAME = {
    **{name.casefold(): number for number, name in enumerate(MONTHS, start=1)},
    **{dt.date(2000, n, 1).strftime("%B").casefold(): n for n in range(1, 13)},
    "sept": 9,
}
_ISO = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?")
_WORDY = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+)?(?P<mon>[A-Za-z]{3,})\.?(?:\s+(?P<d2>\d{1,2}))?,?(?:\s+(?P<y>\d{4}))?"
)
_TAG = re.compile(r"<[^>]+>")


def _one_line(error: object, limit: int = 160) -> str:
    """An error message on one line, shortened."""
    return shorten(str(error), limit) or type(error).__name__


def listing_format(path: str | Path) -> str:
    """The format of a listing file, from its extension.

    Args:
        path: The file.

    Returns:
        ``"text"``, ``"jsonl"``, ``"csv"``, ``"bibtex"`` or ``"atom"``.

    Raises:
        ListingError: When the extension is not one of :data:`FORMATS`.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ListingError(path, f"unknown listing format {suffix or '(none)'!r}; known: {known}")
    return FORMATS[suffix]


def read_listing(path: str | Path, *, year: int | None = None, name: str | None = None) -> Listing:
    """Read one listing file of any supported format.

    Args:
        path: The file; its extension picks the format (see :data:`FORMATS`).
        year: The year of dates that give none (``Mar 11``); when None, a text listing
            takes it from a date in the file's name near its own, else from the file's
            modification time.
        name: The listing's name (the papers' source); defaults to the file's stem.

    Returns:
        The parsed listing; its warnings name the file (``path.name``) and line.

    Raises:
        ListingError: With the path and the reason, when the file is empty, binary,
            unreadable or holds no paper.
    """
    path = Path(path)
    kind = listing_format(path)
    try:
        raw = path.read_bytes()
        mtime = dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError as err:
        raise ListingError(path, f"cannot be read ({err.strerror or err})") from None
    try:
        listing = parse_bytes(
            raw,
            kind,
            name or path.stem,
            file=path.name,
            year=year,
            reference_date=mtime,
            delimiter="\t" if path.suffix.lower() == ".tsv" else None,
        )
    except ListingError as err:
        raise ListingError(path, err.reason) from None
    listing.file = path.name
    return listing


def parse_bytes(
    raw: bytes,
    kind: str,
    name: str,
    *,
    file: str | None = None,
    year: int | None = None,
    reference_date: dt.date | None = None,
    delimiter: str | None = None,
) -> Listing:
    """Parse the content of a listing file of a given format.

    Args:
        raw: The file's bytes (UTF-8 with or without a byte-order mark; other text is read
            as cp1252 with a warning; Atom XML follows its own encoding declaration).
        kind: ``"text"``, ``"jsonl"``, ``"csv"``, ``"bibtex"`` or ``"atom"``.
        name: The listing's name.
        file: The file named in warnings and errors; defaults to ``name``.
        year: The year of dates that give none.
        reference_date: A day on or after the listing (a text listing's modification day).
        delimiter: The CSV separator; None detects it.

    Returns:
        The listing.

    Raises:
        ListingError: When the content is empty, binary or holds no paper.
    """
    file = file or name
    if kind == "atom":
        return parse_atom(raw, name, file=file, year=year)
    text, warnings = decode_text(raw, file)
    if kind == "text":
        listing = parse_listing_text(
            text, name, year=year, reference_date=reference_date, file=file
        )
    elif kind == "jsonl":
        listing = parse_jsonl(text, name, file=file, year=year)
    elif kind == "csv":
        listing = parse_csv(text, name, file=file, year=year, delimiter=delimiter)
    elif kind == "bibtex":
        listing = parse_bibtex(text, name, file=file, year=year)
    else:
        raise ValueError(f"unknown listing format {kind!r}")
    listing.warnings = sorted_warnings([*warnings, *listing.warnings])
    return listing


def parse_entry_date(value: object, year: int | None = None) -> str | None:
    """An entry's date as ISO text, as precise as the value: ``2024-03-11``, ``2024-03``, ``2024``.

    Accepts ISO dates (with or without a time), ``Mar 11, 2024``, ``11 March 2024``,
    ``March 2024`` and a bare year; ``Mar 11`` only when ``year`` is given.

    Args:
        value: The raw value (text or a number).
        year: The year for dates without one.

    Returns:
        The ISO date, or None when the value is not a date.
    """
    text = normalise_text(str(value)) if value is not None else ""
    if not text:
        return None
    match = _ISO.fullmatch(text)
    if match:
        parts = [int(part) for part in match.groups() if part]
        return _iso(*parts)
    match = _WORDY.fullmatch(text)
    month = _MONTHS_BY_NAME.get(match["mon"].casefold()) if match else None
    if match is None or month is None or (match["d1"] and match["d2"]):
        return None
    day, entry_year = match["d1"] or match["d2"], int(match["y"]) if match["y"] else year
    if entry_year is None:
        return None
    return _iso(entry_year, month, int(day)) if day else _iso(entry_year, month)


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    try:
        if day is not None:
            return dt.date(year, month or 1, day).isoformat()
        if month is not None:
            return dt.date(year, month, 1).isoformat()[:7]
    except ValueError:
        return None
    return f"{year:04d}"


@dataclass
class _Entry:
    line: int
    title: object
    abstract: object
    date: object = None


def _field(record: Mapping[str, object], name: str) -> object:
    """The value of ``name`` (or one of its aliases) in a record with normalised keys."""
    for alias in FIELDS[name]:
        value = record.get(alias)
        if value not in (None, ""):
            return value
    return None


def _normal_key(key: object) -> str:
    return " ".join(str(key).replace("_", " ").replace("\ufeff", "").casefold().split())


def _build(
    entries: Iterable[_Entry],
    name: str,
    file: str,
    warnings: list[ParseWarning],
    *,
    year: int | None,
    empty_reason: str,
    latex: bool = True,
) -> Listing:
    """A listing from structured entries: check each, date it, drop repeats.

    With ``latex``, LaTeX markup in titles and abstracts becomes plain text
    (:func:`papertopics.latex.plain_text`); BibTeX fields arrive converted already.
    """
    text = plain_text if latex else str
    papers, starts = [], []
    from_config = False  # some date took its year from the config
    for entry in entries:
        missing = [
            what
            for what, value in (("title", entry.title), ("abstract", entry.abstract))
            if not isinstance(value, str) or not normalise_text(value)
        ]
        if missing:
            shown = normalise_text(entry.title)[:60] if isinstance(entry.title, str) else ""
            warnings.append(
                ParseWarning(
                    file,
                    entry.line,
                    f"entry without {' or '.join(missing)} skipped"
                    + (f": {shown!r}" if shown else ""),
                )
            )
            continue
        title, abstract = text(normalise_text(entry.title)), text(normalise_text(entry.abstract))
        if not title_key(title):
            warnings.append(ParseWarning(file, entry.line, f"title has no letters: {title[:60]!r}"))
            continue
        date = ""
        if entry.date not in (None, ""):
            date = parse_entry_date(entry.date, year) or ""
            from_config |= bool(date) and parse_entry_date(entry.date) is None
            if not date:
                warnings.append(
                    ParseWarning(
                        file,
                        entry.line,
                        f"date {str(entry.date)[:40]!r} not understood; the entry takes the "
                        "listing's date",
                    )
                )
        papers.append(Paper(paper_id(title), title, abstract, [name], date))
        starts.append(entry.line)
    papers = dedupe_papers(papers, starts, file, warnings)
    if not papers:
        raise ListingError(file, empty_reason)
    dates = sorted(paper.first_listed for paper in papers if paper.first_listed)
    if not dates:
        warnings.append(ParseWarning(file, 1, "no entry has a date; the papers have no first date"))
    elif len(dates) < len(papers):
        undated = len(papers) - len(dates)
        warnings.append(
            ParseWarning(
                file,
                1,
                f"{undated} of {len(papers)} entries have no date; they take the listing's "
                f"date, its earliest entry's ({dates[0]})",
            )
        )
    source = ("config" if from_config else "file") if dates else "none"
    return Listing(name, dates[0] if dates else "", source, papers, sorted_warnings(warnings))


def parse_jsonl(
    text: str, name: str, *, file: str | None = None, year: int | None = None
) -> Listing:
    """Parse JSON: one object per line, or an array of objects, with ``title``, ``abstract``
    and optional ``date``.

    A record of arXiv's metadata snapshot (Kaggle) is dated by its first version.

    Args:
        text: The file's content.
        name: The listing's name.
        file: The file named in warnings and errors; defaults to ``name``.
        year: The year of dates without one.

    Returns:
        The listing.

    Raises:
        ListingError: When no line holds a paper.
    """
    file = file or name
    warnings: list[ParseWarning] = []
    entries = []
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("{") and "\n" in text.strip():
        _reject_wrapped_list(text, file)
    records = _json_array(text, file) if text.lstrip().startswith("[") else _json_lines(text)
    for number, record in records:
        if isinstance(record, json.JSONDecodeError):
            warnings.append(
                ParseWarning(file, number, f"not a JSON object ({record.msg}); skipped")
            )
            continue
        if not isinstance(record, dict):
            warnings.append(
                ParseWarning(
                    file, number, f"a JSON {type(record).__name__}, not an object; skipped"
                )
            )
            continue
        record = {_normal_key(key): value for key, value in record.items()}
        entries.append(
            _Entry(number, _field(record, "title"), _field(record, "abstract"), _json_date(record))
        )
    return _build(
        entries,
        name,
        file,
        warnings,
        year=year,
        empty_reason="no paper (a JSON object with title and abstract) found",
    )


def _json_lines(text: str) -> Iterator[tuple[int, object]]:
    """(line number, value or decoding error) of each non-blank line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                yield number, err


def _json_array(text: str, file: str) -> Iterator[tuple[int, object]]:
    """(line number, value) of each element of a JSON array, decoded one at a time."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line, counted = 1, 0  # the line of `counted`; lines are counted once, as the text is read

    def line_at(index: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, index)
        counted = index
        return line

    while True:
        position = _SPACE.match(text, position).end()
        if text.startswith("]", position):
            rest = _SPACE.match(text, position + 1).end()
            if rest < len(text):
                raise ListingError(
                    file, f"not readable as a JSON array (text after it, line {line_at(rest)})"
                )
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            raise ListingError(
                file, f"not readable as a JSON array ({err.msg}, line {err.lineno})"
            ) from None
        yield line_at(position), value
        position = _SPACE.match(text, end).end()
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("]", position):
            raise ListingError(
                file, f"not readable as a JSON array (',' expected, line {line_at(position)})"
            )


_SPACE = re.compile(r"[ \t\r\n]*")


def _reject_wrapped_list(text: str, file: str) -> None:
    """A whole file that is one JSON object wrapping the records (``{"papers": [...]}``)."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return  # JSON lines, some of them broken: reported line by line
    lists = {
        key: value
        for key, value in whole.items()
        if isinstance(value, list) and value and isinstance(value[0], dict)
    }
    if lists:
        key, value = next(iter(lists.items()))
        raise ListingError(
            file,
            f"one JSON object whose {key!r} holds {len(value)} records; give the records "
            "themselves (a JSON array, or one object per line)",
        )


def _json_date(record: Mapping[str, object]) -> object:
    """A JSON record's date; in arXiv's metadata snapshot (Kaggle), its first version's.

    The snapshot's ``update_date`` is the day of the latest version, and its ``versions``
    list holds each version's ``created`` time (``Mon, 2 Apr 2007 19:18:42 GMT``).
    """
    date = _field(record, "date")
    versions = record.get("versions")
    if (date is None or date == record.get("update date")) and isinstance(versions, list):
        first = versions[0] if versions else None
        created = first.get("created") if isinstance(first, Mapping) else None
        try:
            return email.utils.parsedate_to_datetime(str(created)).date().isoformat()
        except (TypeError, ValueError):
            pass
    return date


def parse_csv(
    text: str,
    name: str,
    *,
    file: str | None = None,
    year: int | None = None,
    delimiter: str | None = None,
) -> Listing:
    """Parse CSV with a header row naming ``title``, ``abstract`` and optional ``date``.

    Args:
        text: The file's content.
        name: The listing's name.
        file: The file named in warnings and errors; defaults to ``name``.
        year: The year of dates without one.
        delimiter: The field separator; None picks ``,``, ``;`` or tab from the header.

    Returns:
        The listing.

    Raises:
        ListingError: When the header lacks a title or abstract column, or no row holds a
            paper.
    """
    file = file or name
    text = text.lstrip("\ufeff")
    if delimiter is None:
        header_line = text.lstrip("\r\n").partition("\n")[0]
        counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
        delimiter = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","
    quoting = csv.QUOTE_MINIMAL
    if delimiter == "\t":
        # Spreadsheets quote a TSV cell only when it holds a tab or a line break; a file that
        # is not quoted that way was written by hand, and a cell starting with a quote
        # ('"Attention" is all you need') is text, not quoting.
        try:
            for _ in csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=True):
                pass
        except csv.Error:
            quoting = csv.QUOTE_NONE
    # Strict, so that a stray quote is an error of its row instead of running the row into the
    # next ones. A row of one line is then read again leniently (a quote inside a cell, as
    # '"Attention" is all you need', is text) and kept when it has the header's fields; a
    # stray quote that swallowed line breaks loses those lines, with a warning.
    lines: list[str] | None = None  # the file's lines, split only when a row needs them
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=True
    )
    warnings: list[ParseWarning] = []
    header: list[str] | None = None
    entries = []
    start = 1
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                if "unexpected end of data" in str(err):
                    raise  # an unclosed quote ran to the end of the file
                end = reader.line_num
                if end == start:
                    lines = lines or io.StringIO(text, newline="").readlines()
                    lenient = csv.reader([lines[start - 1]], delimiter=delimiter, quoting=quoting)
                    row = next(lenient, [])
                if end != start or (header is not None and len(row) != len(header)):
                    where = f"lines {start}-{end}" if end != start else "row"
                    warnings.append(
                        ParseWarning(
                            file, start, f"{where} unreadable: a stray quote? ({err}); skipped"
                        )
                    )
                    start = end + 1
                    continue
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [_normal_key(cell) for cell in row]
                missing = [
                    what
                    for what in ("title", "abstract")
                    if not any(alias in header for alias in FIELDS[what])
                ]
                if missing:
                    raise ListingError(
                        file,
                        f"no {' or '.join(repr(m) for m in missing)} column in the header row "
                        f"(columns: {', '.join(header)[:120]})",
                    )
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                warnings.append(
                    ParseWarning(
                        file,
                        line,
                        f"row has {len(row)} fields, the header {len(header)} "
                        "(an unquoted separator?); skipped",
                    )
                )
                continue
            # per row, as for JSON lines: an empty "Date" falls back to "Publication Year"
            record = dict(zip(header, row, strict=False))
            entries.append(
                _Entry(
                    line,
                    _field(record, "title"),
                    _field(record, "abstract"),
                    _field(record, "date"),
                )
            )
    except csv.Error as err:
        warnings.append(
            ParseWarning(file, start, f"CSV unreadable from here on ({err}); rest skipped")
        )
    if header is None:
        raise ListingError(file, "no header row (title, abstract, ...) found")
    return _build(
        entries,
        name,
        file,
        warnings,
        year=year,
        empty_reason="no paper (a row with title and abstract) found",
    )


def _bib_date(fields: Mapping[str, str]) -> str | None:
    if fields.get("date"):
        return fields["date"]
    entry_year = fields.get("year", "").strip("{} ")
    if not entry_year:
        return None
    month = fields.get("month", "").strip("{} ").casefold().rstrip(".")
    number = _MONTHS_BY_NAME.get(month)
    if month.isdigit():
        number = int(month)
    if not month:
        return entry_year
    if number is None:
        return f"{month} {entry_year}"  # not understood: warned about by the caller
    day = fields.get("day", "").strip("{} ")
    return f"{entry_year}-{number:02d}" + (f"-{int(day):02d}" if day.isdigit() else "")


def parse_bibtex(
    text: str, name: str, *, file: str | None = None, year: int | None = None
) -> Listing:
    """Parse BibTeX entries that have ``title`` and ``abstract`` fields.

    LaTeX markup (``{\\"u}``, ``\\&``, ``{BERT}``, ``$\\times$``) is turned into plain text
    (:func:`papertopics.latex.latex_to_text`).  An entry's date is its ``date`` field, or
    ``year`` with ``month`` (and ``day``).

    Args:
        text: The file's content.
        name: The listing's name.
        file: The file named in warnings and errors; defaults to ``name``.
        year: The year of dates without one.

    Returns:
        The listing.

    Raises:
        ListingError: When no entry holds a paper.
    """
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry

    file = file or name
    # the parser logs each broken block as a warning of its own (to the console when logging
    # is not set up); each becomes one of this listing's warnings below instead
    quiet = logging.getLogger("bibtexparser")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        library = bibtexparser.parse_string(text.lstrip("\ufeff"))
    except Exception as err:  # the parser is tolerant; this keeps one odd file from crashing
        raise ListingError(file, f"not readable as BibTeX ({_one_line(err)})") from None
    finally:
        quiet.setLevel(level)
    warnings: list[ParseWarning] = []
    blocks = list(library.entries)
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)) and isinstance(
            block.ignore_error_block, Entry
        ):
            blocks.append(block.ignore_error_block)
            what = "citation key" if isinstance(block, DuplicateBlockKeyBlock) else "field"
            warnings.append(ParseWarning(file, line, f"duplicate {what}; entry read anyway"))
            continue
        error = block.error
        reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or error
        reason = _one_line(reason or "syntax error")
        warnings.append(ParseWarning(file, line, f"BibTeX entry unreadable ({reason}); skipped"))
    entries = []
    for block in sorted(blocks, key=lambda item: item.start_line):
        fields = {
            key.casefold(): value if isinstance(value, str) else str(value)
            for key, value in ((f.key, f.value) for f in block.fields)
        }
        line = block.start_line + 1
        decoded = {}
        for what in ("title", "abstract"):
            value = fields.get(what)
            if value is None:
                continue
            try:
                decoded[what] = latex_to_text(value)
            except Exception as err:  # pylatexenc is tolerant; this is a safety net
                decoded[what] = value.replace("{", "").replace("}", "")
                warnings.append(
                    ParseWarning(
                        file, line, f"LaTeX in the {what} kept as it is ({_one_line(err)})"
                    )
                )
        entries.append(
            _Entry(line, decoded.get("title"), decoded.get("abstract"), _bib_date(fields))
        )
    return _build(
        entries,
        name,
        file,
        warnings,
        year=year,
        empty_reason="no paper (an entry with title and abstract fields) found",
        latex=False,
    )


def _plain(detail: Mapping | None, value: str | None) -> str | None:
    """Text of an Atom text construct; HTML tags removed when it is HTML."""
    if value is None:
        return None
    if detail and "html" in str(detail.get("type", "")):
        return html.unescape(_TAG.sub(" ", value))
    return value


#: How arXiv's RSS feeds (rss.arxiv.org) begin each description, before the abstract.
_ARXIV_RSS_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s+Abstract:\s*")


def _rss_abstract(text: str | None) -> str | None:
    """An abstract without the "arXiv:ID Announce Type: new Abstract:" lead of arXiv's RSS."""
    return text if text is None else _ARXIV_RSS_PREFIX.sub("", text, count=1)


def _feed_date(entry: Mapping) -> object:
    """An entry's first publication date (else its update date), ISO when feedparser parsed it."""
    for key in ("published", "updated"):
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return dt.date(*parsed[:3]).isoformat()
        if entry.get(key):
            return entry[key]
    return None


#: How the arXiv API's error entries begin their <id>.
_ARXIV_API_ERROR = "http://arxiv.org/api/errors"


def parse_atom(
    data: bytes | str, name: str, *, file: str | None = None, year: int | None = None
) -> Listing:
    """Parse an arXiv API export (Atom XML): each ``<entry>``'s title, summary and published date.

    Args:
        data: The file's content (bytes keep the XML's own encoding declaration).
        name: The listing's name.
        file: The file named in warnings and errors; defaults to ``name``.
        year: The year of dates without one.

    Returns:
        The listing.

    Raises:
        ListingError: When the file is empty, binary, not a feed, or has no entry with a
            title and summary.
    """
    import feedparser

    file = file or name
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ListingError(file, "the file is empty")
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ListingError(file, "the file is binary, not an Atom export")
    try:
        feed = feedparser.parse(raw)  # bytes: feedparser never fetches a URL
    except Exception as err:  # feedparser is tolerant; this keeps one odd file from crashing
        raise ListingError(file, f"not readable as Atom ({_one_line(err)})") from None
    warnings: list[ParseWarning] = []
    problem = feed.get("bozo_exception")
    problem_text = _one_line(problem) if problem else ""
    if not feed.entries:
        if feed.get("bozo") and not feed.get("feed"):
            raise ListingError(file, f"not an Atom feed ({problem_text or 'no feed element'})")
        raise ListingError(file, "no paper (an <entry> with a title and summary) found")
    # the arXiv API answers a bad query with a feed whose one entry is the error message
    errors = [e for e in feed.entries if str(e.get("id", "")).startswith(_ARXIV_API_ERROR)]
    if errors and len(errors) == len(feed.entries):
        message = _one_line(_plain(errors[0].get("summary_detail"), errors[0].get("summary")))
        raise ListingError(file, f"an arXiv API error response, not papers ({message})")
    if feed.get("bozo") and isinstance(problem, Exception) and "SAX" in type(problem).__name__:
        warnings.append(
            ParseWarning(
                file, 1, f"the XML is not well-formed ({problem_text}); read what it could"
            )
        )
    text = raw.decode("utf-8", errors="replace")
    starts = [
        text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<(?:\w+:)?entry[\s>]", text)
    ]
    if len(starts) != len(feed.entries):
        starts = [0] * len(feed.entries)
    entries = [
        _Entry(
            line,
            _plain(entry.get("title_detail"), entry.get("title")),
            _rss_abstract(_plain(entry.get("summary_detail"), entry.get("summary"))),
            _feed_date(entry),
        )
        for line, entry in zip(starts, feed.entries, strict=True)
    ]
    return _build(
        entries,
        name,
        file,
        warnings,
        year=year,
        empty_reason="no paper (an <entry> with a title and summary) found",
    )
