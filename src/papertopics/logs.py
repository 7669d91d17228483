"""Logging set-up shared by the workflow scripts."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

__all__ = ["setup_logging"]


def setup_logging(path: str | Path | None, level: int = logging.INFO) -> logging.Logger:
    """Send log records and Python warnings of this process to ``path`` (a job's ``log:`` file).

    Args:
        path: The log file; None logs to standard error.
        level: The lowest level written.

    Returns:
        The ``papertopics`` logger.
    """
    handlers: list[logging.Handler]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers = [logging.FileHandler(path, mode="w", encoding="utf-8")]
    else:
        handlers = [logging.StreamHandler()]
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    for noisy in ("numba", "httpx", "urllib3", "filelock", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger = logging.getLogger("papertopics")

    def log_uncaught(kind, value, trace):
        logger.critical("job failed: %s", value, exc_info=(kind, value, trace))
        sys.__excepthook__(kind, value, trace)

    sys.excepthook = log_uncaught
    return logger
