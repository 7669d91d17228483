"""Validation of the run configuration against the JSON schema, with defaults filled in."""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from papertopics.formats import FORMATS
from papertopics.labels import theme_name
from papertopics.listings import FILE_SKIPPED, NOT_A_LISTING

__all__ = [
    "LISTING_SUFFIXES",
    "NOT_A_LISTING",
    "ConfigError",
    "listing_files",
    "listing_fingerprint",
    "listing_names",
    "load_schema",
    "other_files",
    "validate_config",
]

#: File name endings that are read as listings (see :mod:`papertopics.formats`).
LISTING_SUFFIXES = tuple(FORMATS)


class ConfigError(ValueError):
    """The configuration is invalid; the message is one line that names the key."""


def load_schema(path: str | Path) -> dict:
    """Read the YAML JSON-schema file."""
    return yaml.safe_load(Path(path).read_text("utf-8"))


def _fill_defaults(instance: Any, schema: Mapping) -> None:
    if not isinstance(instance, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub)
            if sub.get("type") == "array" and isinstance(instance[key], list):
                for item in instance[key]:
                    _fill_defaults(item, sub.get("items", {}))


def _where(error: jsonschema.ValidationError, config: Mapping) -> str:
    """The dotted key of an error; a theme is named by its key: ``themes.definitions[0] (moe)``."""
    where, node = "", config
    for part in error.absolute_path:
        if isinstance(part, int):
            where += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                where += f" ({node['key']})"
        else:
            where += f".{part}" if where else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return where or "(top level)"


def _message(error: jsonschema.ValidationError) -> str:
    """What is wrong, in one line."""
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        return f"unknown key {unknown[0]!r}; known keys: {', '.join(known)}"
    if error.validator in ("oneOf", "anyOf"):
        options = []
        for option in error.validator_value:
            if "enum" in option:
                options.extend(repr(value) for value in option["enum"])
            elif "minimum" in option:
                options.append(f"{option.get('type', 'a number')} >= {option['minimum']}")
            else:
                options.append(str(option.get("type", "a value")))
        return f"{error.instance!r} is not one of: {', '.join(options)}"
    if error.validator == "pattern" and error.validator_value == r"\S":
        return f"{error.instance!r} is blank"
    if error.validator == "not" and "pattern" in error.validator_value:  # a term's "*"
        return f"{error.instance!r}: a '*' stands for words between two words of a term"
    return " ".join(error.message.split())


def _given_in(error: jsonschema.ValidationError, overrides: Mapping | None) -> bool:
    """Whether what ``error`` is about comes from ``overrides`` (Snakemake's ``--config``)."""
    if not overrides or error.validator == "required":  # a missing key is nobody's value
        return False
    node = overrides
    for part in error.absolute_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if error.validator == "additionalProperties":  # the unknown key itself
        known = error.schema.get("properties", {})
        return isinstance(node, Mapping) and any(key not in known for key in node)
    return bool(error.absolute_path)


def validate_config(
    config: Mapping,
    schema: Mapping,
    *,
    source: str = "config",
    check_input: bool = True,
    overrides: Mapping | None = None,
) -> dict:
    """Validate a configuration and return a copy with every default filled in.

    Args:
        config: The configuration as loaded from YAML.
        schema: The JSON schema (see ``workflow/schemas/config.schema.yaml``).
        source: Name of the configuration file, used in error messages.
        check_input: Also check that the input folder exists and holds listings.
        overrides: The values given on the command line (``--config``), already merged into
            ``config``: an error in one of them names ``--config`` instead of ``source``.

    Returns:
        The validated configuration with defaults.

    Raises:
        ConfigError: With one line naming the file, the key and what is wrong.
    """
    config = copy.deepcopy(dict(config))
    _fill_defaults(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(config),
        key=lambda e: (len(e.absolute_path), [str(part) for part in e.absolute_path]),
    )
    if errors:
        error = errors[0]
        message = f"{_where(error, config)}: {_message(error)}"
        if not _given_in(error, overrides):
            raise ConfigError(f"{source}: {message}")
        if isinstance(error.instance, str) and len(error.absolute_path) > 1:
            # Snakemake reads the values inside a --config mapping as text (its issue 2099)
            message += (
                " (--config passes the values inside {...} as text: put them in a YAML file"
                " and give it with --configfile)"
            )
        raise ConfigError(f"--config: {message}")

    keys = [theme["key"] for theme in config["themes"]["definitions"]]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise ConfigError(f"{source}: themes.definitions: duplicate theme key {duplicated[0]!r}")
    owner: dict[str, str] = {}
    for theme in config["themes"]["definitions"]:
        for name in (str(theme["key"]), str(theme["label"])):
            other = owner.setdefault(theme_name(name), theme["key"])
            if other != theme["key"]:
                raise ConfigError(
                    f"{source}: themes.definitions: themes {other!r} and {theme['key']!r} share "
                    f"the name {name!r} (keys and labels name themes in label files)"
                )
    for i, theme in enumerate(config["themes"]["definitions"]):
        if not theme.get("keywords") and not theme.get("specific"):
            # the description alone cannot carry a paper over the threshold (the scorer's
            # bias), and supporting terms count only beside a keyword
            raise ConfigError(
                f"{source}: themes.definitions[{i}] ({theme['key']}): no keywords; a theme "
                "needs at least one keyword (or specific term) to find its papers"
            )
    scoring = config["themes"]["scoring"]
    if scoring["review_threshold"] > scoring["threshold"]:
        raise ConfigError(
            f"{source}: themes.scoring.review_threshold: {scoring['review_threshold']} is above "
            f"the threshold ({scoring['threshold']}); set it equal to list no borderline papers"
        )
    range_ = config["terms"]["ngram_range"]
    if range_[0] > range_[1]:
        raise ConfigError(f"{source}: terms.ngram_range: {range_} is not [smallest, largest]")

    if check_input:
        folder = Path(config["input"]["listings_dir"])
        if not folder.exists():
            raise ConfigError(
                f"{source}: input.listings_dir: folder {str(folder)!r} does not exist"
            )
        if not folder.is_dir():
            raise ConfigError(f"{source}: input.listings_dir: {str(folder)!r} is not a folder")
        try:
            listings = listing_files(folder)
        except OSError as err:
            raise ConfigError(
                f"{source}: input.listings_dir: folder {str(folder)!r} cannot be read "
                f"({err.strerror or err})"
            ) from None
        if not listings:
            raise ConfigError(
                f"{source}: input.listings_dir: folder {str(folder)!r} holds no listing "
                f"({', '.join('*' + s for s in LISTING_SUFFIXES)})"
            )
    return config


def listing_files(folder: str | Path) -> list[Path]:
    """The listing files of a folder, sorted by name.

    Hidden files and office lock files (``~$name.csv``) are ignored. A file that cannot be
    read, or whose name holds braces (which Snakemake would read as a wildcard in the path),
    is no listing either: :func:`other_files` names it.

    Args:
        folder: The listings folder.

    Returns:
        Files whose extension is one of :data:`LISTING_SUFFIXES` (any case).
    """
    return sorted(path for path in Path(folder).iterdir() if _unreadable(path) is None)


def _unreadable(path: Path) -> str | None:
    """Why ``path`` of a listings folder is not read; None for a listing, "" for a hidden file.

    The reason starts with :data:`NOT_A_LISTING` for what is no listing (another kind of
    file, a folder) and with :data:`FILE_SKIPPED` for a listing that cannot be read.
    """
    if path.name.startswith((".", "~$")):
        return ""
    if path.is_dir():
        return f"{NOT_A_LISTING} (a folder: listings in subfolders are not read); not read"
    if path.suffix.lower() not in LISTING_SUFFIXES:
        return f"{NOT_A_LISTING} (listings are {', '.join(LISTING_SUFFIXES)}); not read"
    if not path.is_file():
        if path.is_symlink() and not path.exists():
            return f"{FILE_SKIPPED}a link to a file that does not exist"
        return f"{FILE_SKIPPED}a pipe, socket or device, not a regular file"
    if "{" in path.name or "}" in path.name:
        return f"{FILE_SKIPPED}braces in its name, which Snakemake reads as a wildcard: rename it"
    if not os.access(path, os.R_OK):
        return f"{FILE_SKIPPED}no permission to read it"
    return None


def other_files(folder: str | Path) -> list[dict]:
    """The files of a listings folder that are not read as listings, as parse-warning rows.

    Hidden files and office lock files are left out, as :func:`listing_files` leaves them out.
    Other files and folders are named as no listing (:data:`NOT_A_LISTING`); files with a
    listing's extension that cannot be read (braces in the name, no permission, a broken
    link, a pipe) as skipped (:data:`FILE_SKIPPED`).

    Args:
        folder: The listings folder.

    Returns:
        Rows ``file, line, message``, sorted by name: the file's name, as parse warnings
        name their file, and line 0 (the whole file).
    """
    rows = []
    for path in sorted(Path(folder).iterdir()):
        why = _unreadable(path)
        if why:
            rows.append({"file": path.name, "line": 0, "message": why})
    return rows


def listing_names(files: Iterable[str | Path]) -> dict[str, Path]:
    """A unique, stable listing name for each file: its stem, or its file name when shared.

    ``day1.txt`` alone is listing ``day1``; ``day1.txt`` beside ``day1.bib`` gives
    listings ``day1.txt`` and ``day1.bib``.  Names depend only on the files' names.  A ``;``
    (which separates listings in the ``sources`` column), ``/`` and Snakemake's wildcard
    braces ``{ }`` become ``_``; files whose names then coincide (``a;b.txt`` and
    ``a_b.txt``) are told apart by ``~1``, ``~2`` in the order of their file names.

    Args:
        files: Listing files (names are unique within a folder).

    Returns:
        Name -> file, sorted by name.
    """
    files = sorted(Path(file) for file in files)
    stems = Counter(file.stem for file in files)
    # ";" joins listing names in the sources column, "/" would break the job's paths, and
    # braces would be read as wildcards in them.
    clean = {
        file: re.sub(r"[;/{}]", "_", file.stem if stems[file.stem] == 1 else file.name)
        for file in files
    }
    taken = Counter(clean.values())
    seen: Counter = Counter()
    names = {}
    for file, name in clean.items():
        if taken[name] > 1:
            seen[name] += 1
            name = f"{name}~{seen[name]}"
        names[name] = file
    return dict(sorted(names.items()))


def listing_fingerprint(path: str | Path) -> str:
    """What a listing's parse depends on, cheaply: its size and exact modification time.

    Snakemake reruns a job when an input is newer than its output; a listing replaced by an
    older copy (``cp -p``, ``rsync -a``, an unpacked archive) is not, so the parse job takes
    this as a parameter too, and any other size or modification time (older ones included)
    parses the file again. The file is not read: a multi-gigabyte export costs nothing on
    each ``snakemake`` call.

    Args:
        path: The listing file.

    Returns:
        ``"<size>:<modification time in ns>"``, or ``"unreadable"`` when the file cannot be
        examined (the parse job then reports why).
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return "unreadable"
    return f"{stat.st_size}:{stat.st_mtime_ns}"
