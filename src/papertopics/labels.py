"""Hand-label files: which themes a reader gives each paper, by title (evaluation.labels).

Kept free of heavy imports: the workflow checks the configured file before any job runs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from papertopics.listings import paper_id

__all__ = ["LabelError", "read_labels", "theme_name"]


class LabelError(ValueError):
    """A hand-label file is unusable; the message is one line naming the file (and line)."""


#: Separators of the theme names in a ``themes`` cell.
_THEME_SEP = re.compile(r"[;,|]")


def theme_name(name: str) -> str:
    """A theme key or label compared without case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_-]+", "", name).casefold()


def read_labels(path: str | Path, themes: Sequence[Mapping] | None = None) -> list[dict]:
    """Read a hand-label file: ``#`` comment lines, then CSV with ``title`` and ``themes`` columns.

    A ``themes`` cell names zero or more themes separated by ``;`` (or ``,`` in a quoted cell,
    or ``|``). Other columns are ignored. A title that occurs twice must carry the same themes.

    Args:
        path: The label file.
        themes: Theme definitions (mappings with ``key`` and ``label``). When given, a theme
            may be named by its key or its label, ignoring case, spaces, hyphens and
            underscores ("Knowledge distillation", "knowledge-distillation"); the cells are
            rewritten as keys, and a name that is neither is an error.

    Returns:
        One dict per distinct title, in file order: ``title``, ``themes`` (keys joined by
        ``;``, sorted), ``line`` (its line in the file) and ``paper_id`` (derived from the
        title, as for papers).

    Raises:
        LabelError: When the file cannot be read, lacks a column, has a row with an empty
            title or the wrong number of fields, names an unknown theme, or gives one title
            two different sets of themes.
    """
    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise LabelError(f"{path}: cannot read hand labels ({err})") from None
    names = None
    if themes is not None:
        names = {theme_name(str(t[field])): t["key"] for t in themes for field in ("key", "label")}
    content = [
        (number, line)
        for number, line in enumerate(text.splitlines(True), 1)
        if line.strip() and not line.startswith("#")
    ]
    try:
        return _rows(path, content, names)
    except csv.Error as err:
        raise LabelError(f"{path}: not readable as CSV ({err})") from None


def _rows(path, content: list[tuple[int, str]], names: dict[str, str] | None) -> list[dict]:
    """The rows of :func:`read_labels` from the file's numbered non-comment lines."""
    reader = csv.reader(line for _, line in content)
    header = [name.strip().casefold() for name in next(reader, [])]
    missing = [name for name in ("title", "themes") if name not in header]
    if missing:
        raise LabelError(f"{path}: no column(s) {', '.join(missing)} in the header line")
    col_title, col_themes = header.index("title"), header.index("themes")
    rows: dict[str, dict] = {}
    for fields in reader:
        line = content[reader.line_num - 1][0]
        if len(fields) != len(header):
            raise LabelError(
                f"{path}: line {line}: {len(fields)} fields where the header has "
                f"{len(header)} (quote a cell that holds a comma)"
            )
        title = fields[col_title].strip()
        if not title:
            raise LabelError(f"{path}: line {line}: empty title")
        given = [name.strip() for name in _THEME_SEP.split(fields[col_themes]) if name.strip()]
        if names is not None:
            unknown = [name for name in given if theme_name(name) not in names]
            if unknown:
                raise LabelError(
                    f"{path}: line {line}: unknown theme {unknown[0]!r} "
                    f"(themes: {', '.join(dict.fromkeys(names.values()))})"
                )
            given = [names[theme_name(name)] for name in given]
        keys = ";".join(sorted(set(given)))
        pid = paper_id(title)
        if pid in rows and rows[pid]["themes"] != keys:
            raise LabelError(
                f"{path}: line {line}: {title!r} is labelled {keys!r} here and "
                f"{rows[pid]['themes']!r} on line {rows[pid]['line']}"
            )
        rows.setdefault(pid, {"title": title, "themes": keys, "line": line, "paper_id": pid})
    return list(rows.values())
