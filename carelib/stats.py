"""Small statistical helpers shared by several modules."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["benjamini_hochberg"]


def benjamini_hochberg(pvalues: pd.Series | np.ndarray | list[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate control).

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values; NaN stays NaN and does not count as a test.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (q-values) in the input order; reject where ``q <= alpha``.

    Notes
    -----
    With the m p-values sorted, :math:`q_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`.

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
    JRSS B 57(1), 289-300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out
