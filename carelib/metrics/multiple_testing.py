"""Multiple testing: the false discovery rate over many segment, driver and theme tests (Benjamini–Hochberg)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from carelib.errors import ParameterError

__all__ = ["benjamini_hochberg"]


def benjamini_hochberg(pvalues: pd.Series | np.ndarray | list[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate control).

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values; NaN stays NaN and does not count as a test. A value that is not a
        number (text, true/false) or lies outside [0, 1] raises :class:`ParameterError`.

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
    p = _pvalues(pvalues)
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


def _pvalues(values: pd.Series | np.ndarray | list[float]) -> np.ndarray:
    """P-values as floats; anything that is not a number in [0, 1] (or NaN) is named with its position."""
    if isinstance(values, pd.Series | np.ndarray):
        raw = values.to_numpy() if isinstance(values, pd.Series) else values
    else:  # a list: look at each value as given ([True, 0.2] would become [1.0, 0.2])
        raw = np.asarray(values, dtype=object)
    if raw.dtype.kind not in "iuf":
        for i, v in enumerate(raw.ravel()):
            if not (v is None or v is pd.NA or (isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_))):
                v = v.item() if isinstance(v, np.generic) else v
                raise ParameterError(f"p-values must be numbers: found {v!r} at position {i}")
        raw = np.array([np.nan if v is None or v is pd.NA else v for v in raw.ravel()], dtype=float)
    p = raw.astype(float)
    bad = ~np.isnan(p) & ((p < 0) | (p > 1))
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise ParameterError(f"p-values must lie between 0 and 1: found {p.ravel()[i]:g} at position {i}")
    return p
