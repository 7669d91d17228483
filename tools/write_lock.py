"""Re-pin requirements.lock and environment.yml from the packages installed in this environment.

Usage: .venv/bin/python tools/write_lock.py   (or `make lock`)
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"pip", "wheel", "papertopics"}
LOCK_HEADER = """\
# Exact versions of every package papertopics runs and is tested with (Python 3.11, CPU).
# Install torch==2.13.0 first (the Makefile does), then this file. environment.yml mirrors it;
# tests/test_environment.py checks that the two agree. Regenerate with: make lock
"""
ENV_HEADER = """\
# Conda environment for papertopics; mirrors requirements.lock (see tests/test_environment.py).
# conda env create -f environment.yml && conda activate papertopics && pip install --no-deps -e .
name: papertopics
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      # CPU build of PyTorch; a plain `torch` from PyPI is a multi-GB CUDA build.
      - --extra-index-url https://download.pytorch.org/whl/cpu
"""


def main() -> None:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    pins = []
    for line in frozen:
        name, _, version = line.partition("==")
        if not version or name.lower() in SKIP:
            continue
        pins.append(f"{name}=={version.split('+')[0]}")  # torch 2.13.0+cpu -> 2.13.0
    pins.sort(key=str.lower)
    (ROOT / "requirements.lock").write_text(LOCK_HEADER + "\n".join(pins) + "\n")
    (ROOT / "environment.yml").write_text(ENV_HEADER + "".join(f"      - {p}\n" for p in pins))
    print(f"pinned {len(pins)} packages")


if __name__ == "__main__":
    main()
