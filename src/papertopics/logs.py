"""Set-up shared by the workflow scripts' processes: logging, and a quick exit."""

from __future__ import annotations

import atexit
import gc
import logging
import sys
import warnings
from pathlib import Path

__all__ = ["setup_logging"]


def setup_logging(path: str | Path | None, level: int = logging.INFO) -> logging.Logger:
    """Send log records and Python warnings of this process to ``path`` (a job's ``log:`` file).

    Also skips the garbage collector's last full pass at the process's exit (``gc.freeze`` at
    exit): a job's process is short-lived and has written its outputs by then.

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
    for noisy in ("numba", "httpx", "urllib3", "filelock", "matplotlib", "PIL", "gensim"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger = logging.getLogger("papertopics")

    def log_uncaught(kind, value, trace):
        logger.critical("job failed: %s", value, exc_info=(kind, value, trace))
        sys.__excepthook__(kind, value, trace)

    sys.excepthook = log_uncaught
    # A job's process ends as soon as its outputs are written. At exit Python's garbage
    # collector would walk every object of torch, numba, pandas and the like once more (1.5 s
    # after loading the embedding model, 0.9 s after UMAP; a tenth of that frozen). Frozen,
    # they are still released by reference counting, atexit handlers (logging's flush) still
    # run, and every output is closed before the script ends.
    atexit.register(gc.freeze)
    return logger
