"""What reading LaTeX markup as text costs and leaves, on the shared arXiv corpus.

Every title and abstract of ``../shared/corpora/arxiv_daily_2025_2026.jsonl.gz`` goes through
``papertopics.latex.plain_text``, as the parse step does: how many fields hold markup, how long
the conversion takes, whether any title's identity (``title_key``) changes, and which commands
are left (the converter keeps those it does not know, as written).

Usage:
    .venv/bin/python benchmarks/bench_latex.py [--out results/latex.json]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import time
from pathlib import Path

from papertopics.latex import has_latex, plain_text
from papertopics.listings import normalise_text, title_key

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CORPUS = CORPUS / "arxiv_daily_2025_2026.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as lines:
        fields = [
            normalise_text(record[what])
            for record in map(json.loads, lines)
            for what in ("title", "abstract")
        ]
    marked = [text for text in fields if has_latex(text)]
    plain_text(marked[0])  # the converter's import and set-up, once
    start = time.perf_counter()
    converted = [plain_text(text) for text in marked]
    seconds = time.perf_counter() - start
    pairs = list(zip(marked, converted, strict=True))
    changed_keys = sum(title_key(raw) != title_key(text) for raw, text in pairs)
    left = collections.Counter(m for text in converted for m in re.findall(r"\\[a-zA-Z]+", text))
    result = {
        "papers": len(fields) // 2,
        "fields": len(fields),
        "fields_with_markup": len(marked),
        "fields_changed": sum(raw != text for raw, text in pairs),
        "seconds": round(seconds, 1),
        "ms_per_field_with_markup": round(1000 * seconds / len(marked), 2),
        "keys_changed": changed_keys,
        "commands_left": left.most_common(15),
    }
    print(json.dumps(result, indent=1))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
