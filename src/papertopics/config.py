"""Validation of the run configuration against the JSON schema, with defaults filled in."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

__all__ = ["LISTING_SUFFIXES", "ConfigError", "listing_files", "load_schema", "validate_config"]

#: File name endings that are read as listings.
LISTING_SUFFIXES = (".txt",)


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


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def validate_config(
    config: Mapping, schema: Mapping, *, source: str = "config", check_input: bool = True
) -> dict:
    """Validate a configuration and return a copy with every default filled in.

    Args:
        config: The configuration as loaded from YAML.
        schema: The JSON schema (see ``workflow/schemas/config.schema.yaml``).
        source: Name of the configuration file, used in error messages.
        check_input: Also check that the input folder exists and holds listings.

    Returns:
        The validated configuration with defaults.

    Raises:
        ConfigError: With one line naming the file, the key and what is wrong.
    """
    config = copy.deepcopy(dict(config))
    _fill_defaults(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        error = errors[0]
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            unknown = sorted(set(error.instance) - set(known))
            message = f"unknown key {unknown[0]!r}; known keys: {', '.join(known)}"
        else:
            message = error.message
        raise ConfigError(f"{source}: {_where(error)}: {message}")

    keys = [theme["key"] for theme in config["themes"]["definitions"]]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise ConfigError(f"{source}: themes.definitions: duplicate theme key {duplicated[0]!r}")
    range_ = config["terms"]["ngram_range"]
    if range_[0] > range_[1]:
        raise ConfigError(f"{source}: terms.ngram_range: {range_} is not [smallest, largest]")

    if check_input:
        folder = Path(config["input"]["listings_dir"])
        if not folder.is_dir():
            raise ConfigError(
                f"{source}: input.listings_dir: folder {str(folder)!r} does not exist"
            )
        if not listing_files(folder):
            raise ConfigError(
                f"{source}: input.listings_dir: folder {str(folder)!r} holds no listing "
                f"({', '.join('*' + s for s in LISTING_SUFFIXES)})"
            )
    return config


def listing_files(folder: str | Path) -> list[Path]:
    """The listing files of a folder, sorted by name (hidden files are ignored)."""
    return sorted(
        path
        for path in Path(folder).iterdir()
        if path.is_file()
        and path.suffix.lower() in LISTING_SUFFIXES
        and not path.name.startswith(".")
    )
