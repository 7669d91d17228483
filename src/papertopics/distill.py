"""The fast mode's static embedding model: model2vec's distillation, then centring.

model2vec (Tulkens and van Dongen, 2024) distils a sentence-transformers model into a static
model: every token of the teacher's vocabulary is embedded by the teacher once, the token
vectors are reduced by PCA and weighted by their estimated frequency (SIF), and a text's
vector is the mean of its tokens' vectors, so no transformer runs at embedding time.
model2vec's ``distill`` needs ``transformers<5.4``, which this project's sentence-transformers
does not allow, so it runs in an environment of its own (``workflow/envs/distill.txt``, made
by rule ``distill_env``; ``workflow/scripts/distill_model2vec.py``). Only model2vec's
inference package is in the main environment.

What this module adds runs in the main environment: the distilled vectors are centred on
reference texts (the bundled listings). Averaged static vectors of long texts share a large
common component, so every abstract is about equally similar to every theme description;
removing the reference texts' mean vector restores the contrast the theme scorer needs
(BENCHMARKS.md, "Embedding modes").
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["centre_static_model", "reference_texts_of"]

#: Token window used to embed the reference texts (as long as any text the pipeline embeds).
_REFERENCE_MAX_LENGTH = 512

log = logging.getLogger(__name__)


def reference_texts_of(files: Sequence[str | Path]) -> list[str]:
    """The text of every unique paper in some listing files (the reference texts).

    Args:
        files: Listing files of any supported format.

    Returns:
        ``paper_text(title, abstract)`` of each paper, merged across the files, in order.
    """
    from papertopics.embed import paper_text
    from papertopics.formats import read_listing
    from papertopics.listings import merge_listings

    papers = merge_listings(read_listing(path) for path in files)
    return list(dict.fromkeys(paper_text(p.title, p.abstract) for p in papers))


def centre_static_model(
    distilled: str | Path, out: str | Path, reference_texts: Sequence[str]
) -> Path:
    """Centre a model2vec static model on reference texts and save it (offline).

    Every token vector loses the mean (unnormalised) vector of the reference texts, so the
    mean of those texts' vectors becomes zero; texts are then embedded as unit vectors.

    Args:
        distilled: Folder of a model2vec model (what ``model2vec.distill`` saved).
        out: Folder to write; replaced if it exists (written beside it first, then moved).
        reference_texts: Texts to centre on; at least one.

    Returns:
        The written folder.

    Raises:
        ValueError: If there are no reference texts.
    """
    from model2vec import StaticModel

    if not len(reference_texts):
        raise ValueError(f"{distilled}: no reference texts to centre the static model on")
    out = Path(out)
    model = StaticModel.from_pretrained(str(distilled), normalize=False)
    vectors = np.asarray(model.embedding, dtype=np.float32)
    plain = StaticModel(vectors=vectors, tokenizer=model.tokenizer, normalize=False)
    centre = plain.encode(list(reference_texts), max_length=_REFERENCE_MAX_LENGTH).mean(axis=0)
    log.info(
        "centred on %d reference texts (|mean| %.3f)", len(reference_texts), np.linalg.norm(centre)
    )
    # model_type marks the folder as a static model for papertopics.embed.model_backend.
    config = {**model.config, "model_type": "model2vec", "reference_texts": len(reference_texts)}
    centred = StaticModel(
        vectors=(vectors - centre).astype(np.float16),
        tokenizer=model.tokenizer,
        config=config,
        normalize=True,
        base_model_name=model.base_model_name,
    )
    partial = out.with_name(f"{out.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    centred.save_pretrained(partial)
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    log.info("%d tokens x %d dimensions written to %s", len(vectors), vectors.shape[1], out)
    return out
