"""A static embedding model distilled from a sentence-transformers model (the fast mode).

model2vec's method (Tulkens and van Dongen, 2024): every token of the teacher's vocabulary is
embedded by the teacher on its own (``[CLS] token [SEP]``, mean of the output states), the token
vectors are reduced by PCA and weighted by an estimate of the token's frequency (Zipf's law on
the vocabulary order, then SIF: ``a / (a + p)``). A text's vector is then the mean of its tokens'
vectors: no transformer runs at embedding time.

One step is added to model2vec's: the token vectors are centred on the mean vector of a set of
reference texts (the bundled machine-learning abstracts), which is the same as subtracting that
mean from every text's vector. Averaged static vectors of long texts share a large common
component (every abstract has a cosine of about 0.55 with every theme description, a single
sentence much less), which puts a paper and its sentences on different scales; centring removes it.

model2vec's own ``distill`` needs an older ``transformers`` than this project pins, so the same
steps are written here for WordPiece (BERT-family) teachers such as all-MiniLM-L6-v2; the result
is a model2vec folder that ``model2vec.StaticModel.from_pretrained`` loads. BENCHMARKS.md compares
it with a model distilled by model2vec 0.10's ``distill``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.linalg import norm

__all__ = [
    "TokenVectors",
    "distill_static_model",
    "listing_texts",
    "pca_fit_transform",
    "sif_weights",
    "static_model",
    "teacher_token_vectors",
]

#: Token window used to embed the reference texts (as long as any text the pipeline embeds).
_REFERENCE_MAX_LENGTH = 512

log = logging.getLogger(__name__)

#: Tokens left out of the static vocabulary, as model2vec's ``distill`` does: the unused slots
#: and the special tokens other than padding and unknown.
_DROPPED = re.compile(r"\[unused\d+\]|\[CLS\]|\[SEP\]|\[MASK\]")


def sif_weights(n_tokens: int, coefficient: float = 1e-4) -> np.ndarray:
    """Token weights from Zipf's law on the vocabulary order, then SIF.

    Args:
        n_tokens: Vocabulary size; token ``i`` is taken as the ``i + 2``-th most frequent.
        coefficient: SIF coefficient ``a`` (weight ``a / (a + p)``).

    Returns:
        One weight per token, rising from near 0 (frequent tokens) towards 1 (rare tokens).
    """
    inverse_rank = 1 / np.arange(2, n_tokens + 2)
    probability = inverse_rank / inverse_rank.sum()
    return coefficient / (coefficient + probability)


def pca_fit_transform(vectors: np.ndarray, n_components: int) -> np.ndarray:
    """PCA scores of ``vectors`` (eigendecomposition of the covariance, deterministic signs).

    Args:
        vectors: ``(n, d)`` data.
        n_components: Dimensions kept (at most ``d``).

    Returns:
        ``(n, n_components)`` scores; each component's sign makes its largest score positive.
    """
    centred = vectors - vectors.mean(axis=0)
    covariance = centred.T @ centred / (len(vectors) - 1)
    _, eigenvectors = np.linalg.eigh(covariance)
    components = eigenvectors[:, ::-1][:, :n_components].T
    scores = centred @ components.T
    largest = np.argmax(np.abs(scores), axis=0)
    return scores * np.sign(scores[largest, np.arange(scores.shape[1])])


def listing_texts(files: Sequence[str | Path]) -> list[str]:
    """The text of every unique paper in some listing files (for ``reference_texts``).

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


def _token_vectors(teacher: Path, ids: list[int], cls: int, sep: int, batch_size: int):
    """Mean output state of ``[CLS] id [SEP]`` for each id, from the teacher's transformer."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(teacher)).eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(ids), batch_size):
            batch = torch.tensor([[cls, i, sep] for i in ids[start : start + batch_size]])
            hidden = model(
                input_ids=batch,
                attention_mask=torch.ones_like(batch),
                token_type_ids=torch.zeros_like(batch),
            ).last_hidden_state
            out.append(hidden.float().mean(dim=1).numpy())
    return np.nan_to_num(np.concatenate(out))


def _static_tokenizer(tokenizer: dict, kept: list[str]) -> dict:
    """The teacher's WordPiece tokenizer restricted to ``kept`` (renumbered in that order)."""
    vocab = {token: i for i, token in enumerate(kept)}
    static = dict(tokenizer)
    static["model"] = {**tokenizer["model"], "vocab": vocab}
    static["added_tokens"] = [
        {**added, "id": vocab[added["content"]]}
        for added in tokenizer["added_tokens"]
        if added["content"] in vocab
    ]
    static["post_processor"] = None  # no [CLS]/[SEP]: a text is the mean of its own tokens
    static["truncation"] = None
    if tokenizer.get("padding"):  # model2vec keeps the pad token (with padding switched off)
        pad = tokenizer["padding"]["pad_token"]
        static["padding"] = {**tokenizer["padding"], "pad_id": vocab.get(pad, 0)}
    return static


@dataclass(frozen=True)
class TokenVectors:
    """The teacher's vector of every token of the static vocabulary (before PCA and weights).

    Attributes:
        teacher: Name of the teacher, recorded in the static model's config.
        tokens: The static vocabulary, in its order (``[PAD]``, ``[UNK]``, then the teacher's).
        vectors: ``(len(tokens), teacher dimensions)``.
        tokenizer: The static tokenizer, as ``tokenizer.json`` text.
    """

    teacher: str
    tokens: list[str]
    vectors: np.ndarray
    tokenizer: str


def teacher_token_vectors(
    teacher: str | Path, *, batch_size: int = 256, name: str | None = None
) -> TokenVectors:
    """Embed every token of a WordPiece teacher's vocabulary with the teacher (offline).

    Args:
        teacher: Folder of a sentence-transformers or Hugging Face model with a WordPiece
            ``tokenizer.json`` (BERT family, such as all-MiniLM-L6-v2).
        batch_size: Tokens per forward pass.
        name: Name of the teacher (default: the folder name).

    Returns:
        The token vectors and the static tokenizer.

    Raises:
        ValueError: If the teacher's tokenizer is not WordPiece.
    """
    teacher = Path(teacher)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tokenizer = json.loads((teacher / "tokenizer.json").read_text(encoding="utf-8"))
    if tokenizer["model"].get("type") != "WordPiece":
        raise ValueError(
            f"{teacher}: only WordPiece tokenizers are supported, "
            f"not {tokenizer['model'].get('type')}; use model2vec's distill for other models"
        )
    vocab = tokenizer["model"]["vocab"]
    ordered = sorted(vocab, key=vocab.get)
    specials = [t for t in ("[PAD]", tokenizer["model"].get("unk_token", "[UNK]")) if t in vocab]
    kept = specials + [t for t in ordered if t not in specials and not _DROPPED.fullmatch(t)]
    log.info("embedding %d of %d teacher tokens with %s", len(kept), len(vocab), teacher)
    vectors = _token_vectors(
        teacher, [vocab[t] for t in kept], vocab["[CLS]"], vocab["[SEP]"], batch_size
    )
    return TokenVectors(
        name or teacher.name, kept, vectors, json.dumps(_static_tokenizer(tokenizer, kept))
    )


def static_model(
    tokens: TokenVectors,
    *,
    pca_dims: int = 256,
    sif_coefficient: float = 1e-4,
    reference_texts: Sequence[str] = (),
):
    """A model2vec ``StaticModel`` from token vectors: PCA, SIF weights, optional centring.

    Args:
        tokens: What :func:`teacher_token_vectors` returned.
        pca_dims: Dimensions kept by PCA (at most the teacher's).
        sif_coefficient: SIF coefficient of the frequency weights.
        reference_texts: Texts whose mean vector is subtracted from every token vector (and so
            from every text's vector); none: model2vec's vectors as they are.

    Returns:
        The static model (float16 vectors, unit-length output).
    """
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokens.tokenizer)
    dims = min(pca_dims, tokens.vectors.shape[1])
    vectors = pca_fit_transform(tokens.vectors.astype(np.float64), dims)
    vectors = vectors * sif_weights(len(tokens.tokens), sif_coefficient)[:, None]
    if len(reference_texts):
        reference = StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=False).encode(
            list(reference_texts), max_length=_REFERENCE_MAX_LENGTH
        )
        centre = reference.mean(axis=0)
        log.info("centred on %d reference texts (|mean| %.3f)", len(reference), norm(centre))
        vectors = vectors - centre
    config = {
        "model_type": "model2vec",
        "architectures": ["StaticModel"],
        "tokenizer_name": tokens.teacher,
        "apply_pca": dims,
        "sif_coefficient": sif_coefficient,
        "hidden_dim": dims,
        "seq_length": 1000000,
        "normalize": True,
        "pooling": "mean",
        "reference_texts": len(reference_texts),
    }
    return StaticModel(
        vectors=vectors.astype(np.float16),
        tokenizer=tokenizer,
        config=config,
        normalize=True,
        base_model_name=tokens.teacher,
    )


def distill_static_model(
    teacher: str | Path,
    out: str | Path,
    *,
    pca_dims: int = 256,
    sif_coefficient: float = 1e-4,
    batch_size: int = 256,
    name: str | None = None,
    reference_texts: Sequence[str] = (),
) -> Path:
    """Distil ``teacher`` into a model2vec static model folder (offline).

    Args:
        teacher: Folder of a WordPiece model (see :func:`teacher_token_vectors`).
        out: Folder to write; replaced if it exists (written beside it first, then moved).
        pca_dims: Dimensions kept by PCA (at most the teacher's).
        sif_coefficient: SIF coefficient of the frequency weights (model2vec's default 1e-4).
        batch_size: Tokens per forward pass.
        name: Name of the teacher recorded in the model's config (default: the folder name).
        reference_texts: Texts to centre on (see :func:`static_model`).

    Returns:
        The written folder.

    Raises:
        ValueError: If the teacher's tokenizer is not WordPiece.
    """
    out = Path(out)
    tokens = teacher_token_vectors(teacher, batch_size=batch_size, name=name)
    static = static_model(
        tokens,
        pca_dims=pca_dims,
        sif_coefficient=sif_coefficient,
        reference_texts=reference_texts,
    )
    partial = out.with_name(f"{out.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    static.save_pretrained(partial)
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    log.info("%d tokens x %d dimensions written to %s", len(tokens.tokens), static.dim, out)
    return out
