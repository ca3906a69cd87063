"""Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Qualitative codings are multi-label (an excerpt can carry several codes), so agreement
is computed **per code** on the binary decision "does this unit carry the code?" for
every unit either coder saw, and **overall** by pooling those decisions over all codes.

Inputs are tidy codings: one row per (unit, code, coder). A unit coded by a coder with
no code at all still counts as a "no" for every code, so pass ``units`` (all units
both coders looked at) when some carry no code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from carelib.errors import ParameterError

__all__ = ["percent_agreement", "cohen_kappa", "krippendorff_alpha", "agreement"]


def percent_agreement(a: Sequence, b: Sequence) -> float:
    """Share of units on which two coders gave the same value.

    Examples
    --------
    >>> percent_agreement([1, 1, 0, 0], [1, 0, 0, 0])
    0.75
    """
    x, y = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if x.shape != y.shape or x.size == 0:
        raise ParameterError(f"need two equally long, non-empty sequences; got {x.size} and {y.size}")
    return float(np.mean(x == y))


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa for two coders on nominal values.

    Notes
    -----
    :math:`\\kappa = (p_o - p_e) / (1 - p_e)`, with :math:`p_o` the observed agreement and
    :math:`p_e = \\sum_k p_{a,k} p_{b,k}` the agreement expected from each coder's marginals.
    When both coders use a single identical value throughout, :math:`p_e = 1` and kappa is
    undefined (NaN).

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement 20(1), 37-46.

    Examples
    --------
    >>> round(cohen_kappa([1, 1, 1, 0, 0, 0, 1, 0], [1, 1, 0, 0, 0, 1, 1, 0]), 3)
    0.5
    """
    x, y = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    po = percent_agreement(x, y)
    cats = sorted(set(x.tolist()) | set(y.tolist()), key=str)
    pe = sum(float(np.mean(x == c)) * float(np.mean(y == c)) for c in cats)
    if np.isclose(pe, 1.0):
        return float("nan")
    return (po - pe) / (1 - pe)


def krippendorff_alpha(data: Sequence[Sequence] | np.ndarray | pd.DataFrame) -> float:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    Parameters
    ----------
    data : 2-D array-like, coders x units
        One row per coder, one column per unit; ``None``/NaN where a coder gave no value.

    Returns
    -------
    float
        :math:`\\alpha = 1 - D_o / D_e`; NaN when fewer than two pairable values exist or
        all pairable values are identical (no variation to agree on).

    Notes
    -----
    Built from the coincidence matrix: each unit with :math:`m_u \\ge 2` values contributes
    :math:`1/(m_u - 1)` for every ordered pair of its values. With :math:`n_c` the margins
    and :math:`n` their total, :math:`D_o \\propto \\sum_{c \\ne k} o_{ck}` and
    :math:`D_e \\propto \\sum_{c \\ne k} n_c n_k / (n - 1)`.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication, University of Pennsylvania. (Worked example: alpha = 0.743.)

    Examples
    --------
    >>> nan = None
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    frame = pd.DataFrame(np.asarray(data, dtype=object))
    if frame.ndim != 2 or frame.shape[0] < 2:
        raise ParameterError("krippendorff_alpha needs a coders x units table with at least two coders")
    values = frame.T  # units x coders
    cats: dict[object, int] = {}
    for v in pd.unique(values.stack().dropna().to_numpy()):
        cats.setdefault(v, len(cats))
    k = len(cats)
    coincidence = np.zeros((k, k))
    for _, row in values.iterrows():
        present = [cats[v] for v in row.dropna().tolist()]
        m = len(present)
        if m < 2:
            continue
        counts = np.bincount(present, minlength=k).astype(float)
        pairs = np.outer(counts, counts) - np.diag(counts)
        coincidence += pairs / (m - 1)
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    observed = coincidence.sum() - np.trace(coincidence)
    expected = (n**2 - (n_c**2).sum()) / (n - 1)
    if expected == 0:
        return float("nan")
    return float(1 - observed / expected)


def _decisions(codings: pd.DataFrame, units: Sequence, coders: tuple[str, str], unit: str, code: str, coder: str) -> pd.DataFrame:
    """Binary matrix: one row per (unit, code), one column per coder."""
    sub = codings[codings[coder].isin(coders)]
    codes = sorted(sub[code].dropna().unique().tolist(), key=str)
    index = pd.MultiIndex.from_product([list(units), codes], names=[unit, code])
    out = pd.DataFrame(index=index)
    for c in coders:
        have = set(map(tuple, sub.loc[sub[coder] == c, [unit, code]].drop_duplicates().to_numpy().tolist()))
        out[c] = [key in have for key in index]
    return out.reset_index()


def agreement(
    codings: pd.DataFrame,
    coder_a: str,
    coder_b: str,
    *,
    units: Sequence | None = None,
    unit: str = "unit",
    code: str = "code",
    coder: str = "coder",
) -> pd.DataFrame:
    """Agreement between two coders, per code and overall.

    Parameters
    ----------
    codings : DataFrame
        One row per (unit, code, coder).
    coder_a, coder_b : str
        The two coders to compare (human-human or human-machine).
    units : sequence, optional
        All units both coders looked at; defaults to every unit either coded.

    Returns
    -------
    DataFrame
        Columns ``code, units, a_yes, b_yes, both_yes, percent_agreement, kappa, alpha``;
        one row per code (sorted) and a last row ``code="(all codes, pooled)"``.

    Examples
    --------
    >>> c = pd.DataFrame({"unit": [1, 2, 2, 3, 1, 2], "code": ["x", "x", "y", "y", "x", "y"],
    ...                   "coder": ["A", "A", "A", "A", "B", "B"]})
    >>> agreement(c, "A", "B", units=[1, 2, 3, 4])["percent_agreement"].tolist()
    [0.75, 0.75, 0.75]
    """
    for name in (unit, code, coder):
        if name not in codings.columns:
            raise ParameterError(f"codings has no column {name!r}; columns are {list(codings.columns)}")
    seen = set(codings[coder].unique())
    for c in (coder_a, coder_b):
        if c not in seen:
            raise ParameterError(f"coder {c!r} not found; coders are {sorted(map(str, seen))}")
    if units is None:
        units = sorted(codings.loc[codings[coder].isin([coder_a, coder_b]), unit].unique().tolist(), key=str)
    dec = _decisions(codings, units, (coder_a, coder_b), unit, code, coder)
    rows = []
    groups = [(name, g) for name, g in dec.groupby(code, sort=True)] + [("(all codes, pooled)", dec)]
    for name, g in groups:
        a, b = g[coder_a].to_numpy(), g[coder_b].to_numpy()
        rows.append(
            {
                code: name,
                "units": int(g[unit].nunique()),
                "a_yes": int(a.sum()),
                "b_yes": int(b.sum()),
                "both_yes": int((a & b).sum()),
                "percent_agreement": round(percent_agreement(a, b), 3),
                "kappa": round(cohen_kappa(a, b), 3),
                "alpha": round(krippendorff_alpha([a.astype(int), b.astype(int)]), 3),
            }
        )
    return pd.DataFrame(rows)
