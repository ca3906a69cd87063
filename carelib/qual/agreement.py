"""Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Qualitative codings are multi-label (an excerpt can carry several codes), so agreement
is computed **per code** on the binary decision "does this unit carry the code?" for
every unit either coder saw, and **overall** by pooling those decisions over all codes.

Inputs are tidy codings: one row per (unit, code, coder). A unit coded by a coder with
no code at all still counts as a "no" for every code, so pass ``units`` (all units
both coders looked at) when some carry no code.

Human coders mark spans, not units. :func:`align_spans` places each span on the units
(participant turns) it covers — a span codes a unit when they share at least half of the
shorter of the two — and :func:`agreement_by_code` and :func:`disagreements` compare any
number of coders on those units; a unit a coder did not see is missing, not a "no".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from carelib.errors import ParameterError

__all__ = ["percent_agreement", "cohen_kappa", "krippendorff_alpha", "agreement", "align_spans", "agreement_by_code",
           "disagreements", "MIN_OVERLAP"]


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


#: Least share of the shorter of a span and a unit that they must share for the span to code the unit.
MIN_OVERLAP = 0.5
POOLED = "(all codes, pooled)"


def align_spans(
    spans: pd.DataFrame,
    units: pd.DataFrame,
    *,
    min_overlap: float = MIN_OVERLAP,
    unit: str = "unit",
) -> pd.DataFrame:
    """Place coded spans on units: the span-overlap rule that makes spans of different coders comparable.

    Coders mark spans of their own choosing (a sentence, a whole answer, two answers); agreement needs
    common units. A span **codes a unit** of its source when they share at least ``min_overlap`` of the
    shorter of the two: a sentence inside an answer codes that answer, a span over two answers codes
    both, a span that only grazes the next answer (a few characters) does not code it.

    Parameters
    ----------
    spans : DataFrame
        ``source, start, end`` (0-based character offsets, end exclusive) and any other columns
        (``code, coder`` ...), one row per coded span.
    units : DataFrame
        ``source, start, end`` and the ``unit`` id, e.g. the participant turns of the interviews.
    min_overlap : float
        In (0, 1]: the least shared share of the shorter of span and unit.
    unit : str
        Column of ``units`` with the unit id.

    Returns
    -------
    DataFrame
        The rows of ``spans`` with the ``unit`` column, one row per span and unit it codes; a span
        that codes no unit keeps one row with ``unit`` missing (listed, never dropped silently).

    Examples
    --------
    >>> units = pd.DataFrame({"source": ["a", "a"], "start": [0, 50], "end": [50, 100], "unit": ["a#1", "a#2"]})
    >>> spans = pd.DataFrame({"source": ["a", "a", "a"], "start": [10, 0, 45], "end": [20, 100, 60],
    ...                       "code": ["x", "y", "z"]})
    >>> align_spans(spans, units)[["code", "unit"]].values.tolist()
    [['x', 'a#1'], ['y', 'a#1'], ['y', 'a#2'], ['z', 'a#2']]
    """
    if not 0 < min_overlap <= 1:
        raise ParameterError(f"min_overlap must be in (0, 1], got {min_overlap!r}")
    for name, frame, cols in (("spans", spans, ["source", "start", "end"]), ("units", units, ["source", "start", "end", unit])):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ParameterError(f"{name} has no column(s) {missing}; columns are {list(frame.columns)}")
    left = spans.drop(columns=[unit], errors="ignore").reset_index(drop=True).rename_axis("_span").reset_index()
    right = units[["source", "start", "end", unit]].rename(columns={"start": "_ustart", "end": "_uend"})
    pairs = left.merge(right, on="source", how="inner")
    shared = pairs[["end", "_uend"]].min(axis=1) - pairs[["start", "_ustart"]].max(axis=1)
    shorter = pd.concat([pairs["end"] - pairs["start"], pairs["_uend"] - pairs["_ustart"]], axis=1).min(axis=1)
    placed = pairs[(shared > 0) & (shared >= min_overlap * shorter)]
    unplaced = left[~left["_span"].isin(placed["_span"])].assign(**{unit: None})
    out = pd.concat([placed.drop(columns=["_ustart", "_uend"]), unplaced], ignore_index=True)
    return out.sort_values(["_span", unit], kind="stable", ignore_index=True).drop(columns="_span")


def _matrix(codings: pd.DataFrame, units: list, coders: list, seen: dict, unit: str, code: str, coder: str,
            codes: list | None) -> pd.DataFrame:
    """Decisions 1/0/NaN: one row per (unit, code), one column per coder (NaN: the coder did not see the unit)."""
    codes = codes if codes is not None else sorted(codings[code].dropna().unique().tolist(), key=str)
    index = pd.MultiIndex.from_product([units, codes], names=[unit, code])
    out = pd.DataFrame(index=index)
    for c in coders:
        have = set(map(tuple, codings.loc[codings[coder] == c, [unit, code]].to_numpy().tolist()))
        saw = seen.get(c, set(units))
        out[c] = [(1.0 if key in have else 0.0) if key[0] in saw else np.nan for key in index]
    return out


def _stats(m: pd.DataFrame, coders: list) -> dict:
    """Agreement of one table of decisions (rows: unit-code pairs, columns: coders)."""
    pairable = m[m.notna().sum(axis=1) >= 2]
    agree = pairable.nunique(axis=1, dropna=True) == 1
    both = m[coders].dropna() if len(coders) == 2 else None
    return {
        "percent_agreement": round(float(agree.mean()), 3) if len(pairable) else float("nan"),
        "kappa": round(cohen_kappa(both[coders[0]], both[coders[1]]), 3) if both is not None and len(both) else float("nan"),
        "alpha": round(krippendorff_alpha(m[coders].T.to_numpy()), 3),
    }


def agreement_by_code(
    codings: pd.DataFrame,
    units: Sequence,
    *,
    seen: dict | None = None,
    coders: Sequence[str] | None = None,
    unit: str = "unit",
    code: str = "code",
    coder: str = "coder",
) -> pd.DataFrame:
    """Agreement of any number of coders, per code and pooled: Cohen's kappa (two coders), Krippendorff's alpha.

    Each code is a yes/no decision on every unit a coder saw (a unit seen but not given the code
    is a "no"; a unit not seen is missing, not a "no").

    Parameters
    ----------
    codings : DataFrame
        One row per (unit, code, coder), e.g. from :func:`align_spans`.
    units : sequence
        Every unit that was there to code (e.g. every participant turn).
    seen : dict, optional
        Coder → the units they saw; default every coder saw every unit.
    coders : sequence of str, optional
        Coders to compare (at least two); default every coder of ``codings``, sorted.
    unit, code, coder : str
        Column names.

    Returns
    -------
    DataFrame
        ``code, units`` (units seen by two coders or more), one column per coder (units given the
        code), ``percent_agreement`` (share of those units on which all coders who saw it agree),
        ``kappa`` (Cohen's, on the units both saw; NaN unless exactly two coders) and ``alpha``
        (Krippendorff's, nominal, missing values allowed); one row per code (sorted), then the
        pooled row ``code="(all codes, pooled)"`` over every unit-code decision.

    Notes
    -----
    Pooling treats each (unit, code) pair as one binary decision, as :func:`agreement` does.

    Examples
    --------
    >>> c = pd.DataFrame({"unit": [1, 2, 1, 3], "code": ["x", "x", "x", "x"], "coder": ["A", "A", "B", "B"]})
    >>> agreement_by_code(c, [1, 2, 3, 4])[["code", "units", "A", "B", "percent_agreement"]].values.tolist()
    [['x', 4, 2, 2, 0.5], ['(all codes, pooled)', 4, 2, 2, 0.5]]
    """
    for name in (unit, code, coder):
        if name not in codings.columns:
            raise ParameterError(f"codings has no column {name!r}; columns are {list(codings.columns)}")
    known = sorted(map(str, codings[coder].dropna().unique()))
    coders = list(coders) if coders is not None else known
    unknown = [c for c in coders if c not in known]
    if unknown or len(coders) < 2:
        raise ParameterError(f"agreement needs two coders or more with codings; asked for {coders}, coders are {known}")
    units = list(dict.fromkeys(units))
    seen = {c: set(v) for c, v in (seen or {}).items()}
    rows = codings[codings[coder].isin(coders) & codings[unit].isin(units)].drop_duplicates([unit, code, coder])
    m = _matrix(rows, units, coders, seen, unit, code, coder, None)
    out = []
    for name, g in [*m.groupby(level=code, sort=True), (POOLED, m)]:
        out.append({code: name, "units": int((g.notna().sum(axis=1) >= 2).groupby(level=unit).any().sum()),
                    **{c: int(g[c].sum()) for c in coders}, **_stats(g, coders)})
    return pd.DataFrame(out, columns=[code, "units", *coders, "percent_agreement", "kappa", "alpha"])


def disagreements(
    codings: pd.DataFrame,
    units: Sequence,
    *,
    seen: dict | None = None,
    coders: Sequence[str] | None = None,
    unit: str = "unit",
    code: str = "code",
    coder: str = "coder",
) -> pd.DataFrame:
    """The units on which coders who saw them gave different codes: the list to calibrate on.

    Parameters
    ----------
    codings : DataFrame
        One row per (unit, code, coder).
    units : sequence
        Every unit, in the order to list them.
    seen : dict, optional
        Coder → the units they saw; default every coder saw every unit.
    coders : sequence of str, optional
        Default every coder of ``codings``, sorted.
    unit, code, coder : str
        Column names.

    Returns
    -------
    DataFrame
        ``unit``, one column per coder (their codes, ``"; "``-joined; ``"(no code)"``; ``"(not
        seen)"``) and ``in_dispute`` (codes given by some but not all who saw the unit), in the
        order of ``units``.

    Examples
    --------
    >>> c = pd.DataFrame({"unit": [1, 2, 1, 2], "code": ["x", "x", "x", "y"], "coder": ["A", "A", "B", "B"]})
    >>> disagreements(c, [1, 2, 3]).values.tolist()
    [[2, 'x', 'y', 'x; y']]
    """
    coders = list(coders) if coders is not None else sorted(map(str, codings[coder].dropna().unique()))
    seen = {c: set(v) for c, v in (seen or {}).items()}
    given = codings.groupby([unit, coder])[code].agg(lambda s: frozenset(s.dropna())).to_dict()
    rows = []
    for u in dict.fromkeys(units):
        sets = {c: given.get((u, c), frozenset()) for c in coders if u in seen.get(c, {u})}
        if len(sets) < 2 or len(set(sets.values())) == 1:
            continue
        dispute = frozenset.union(*sets.values()) - frozenset.intersection(*sets.values())
        rows.append({unit: u, **{c: "; ".join(sorted(sets[c])) or "(no code)" if c in sets else "(not seen)"
                                 for c in coders}, "in_dispute": "; ".join(sorted(dispute))})
    return pd.DataFrame(rows, columns=[unit, *coders, "in_dispute"])
