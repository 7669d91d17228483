"""Shared fixtures."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture
def schema() -> dict:
    """The config JSON schema."""
    return yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


@pytest.fixture
def config() -> dict:
    """The shipped config.yaml."""
    return yaml.safe_load((ROOT / "config.yaml").read_text())
