"""Distribution functions under carelib's intervals and tests, as closed forms on :mod:`scipy.special`.

Normal, Student t, chi-square and binomial quantiles, the exact binomial test (scipy's "minlike"
two-sided p-value), Clopper–Pearson bounds and Welch's t test. They give the numbers of
:mod:`scipy.stats` (``tests/test_distributions.py`` compares them over grids and edge cases)
without its import, which costs about a second in every kernel and CLI process; :mod:`scipy.special`
is imported anyway. The binomial pmf uses Loader's saddle-point method (as R's ``dbinom``); the
binomial quantile and Clopper–Pearson use Boost's incomplete beta (as scipy does).

References: C. Loader, "Fast and accurate computation of binomial probabilities" (2000);
C. J. Clopper and E. S. Pearson, Biometrika 26 (1934); B. L. Welch, Biometrika 34 (1947).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from carelib import checks as check
from carelib.errors import ParameterError

__all__ = ["z_value", "norm_sf", "norm_ppf", "t_ppf", "chi2_ppf", "t_interval", "sem", "welch_pvalue", "binom_pmf",
           "binom_ppf", "binomtest_pvalue", "clopper_pearson"]


_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile of ``confidence`` (checked to lie in (0, 1))."""
    return float(norm_ppf(0.5 + check.confidence(confidence) / 2))


def norm_sf(x: Any) -> Any:
    """Survival function ``1 − Φ(x)`` of the standard normal, as ``scipy.stats.norm.sf`` (``special.ndtr(−x)``).

    Examples
    --------
    >>> round(float(2 * norm_sf(1.96)), 4)
    0.05
    """
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_ppf(q: Any) -> Any:
    """Quantile ``Φ⁻¹(q)`` of the standard normal, as ``scipy.stats.norm.ppf`` (``special.ndtri``).

    Examples
    --------
    >>> round(float(norm_ppf(0.975)), 4)
    1.96
    """
    return special.ndtri(np.asarray(q, dtype=float))


def _quantile(inverse: Any, q: Any, df: Any, at_0: float, at_1: float) -> Any:
    """``inverse(q, df)`` where ``0 < q < 1`` and ``df > 0``; ``at_0``/``at_1`` at ``q`` of 0/1; NaN elsewhere."""
    q, df = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    inside = (df > 0) & (q > 0) & (q < 1)
    with np.errstate(invalid="ignore"):
        out = np.where(inside, inverse(np.where(inside, q, 0.5), np.where(inside, df, 2.0)), np.nan)
    out = np.where((df > 0) & (q == 0), at_0, np.where((df > 0) & (q == 1), at_1, out))
    return out[()]


def t_ppf(q: Any, df: Any) -> Any:
    """Quantile of Student's t with ``df`` degrees of freedom, as ``scipy.stats.t.ppf`` (``special.stdtrit``).

    ``q`` of 0 and 1 give ∓inf; ``q`` outside [0, 1], ``df <= 0`` or NaN give NaN.

    Examples
    --------
    >>> round(float(t_ppf(0.975, 9)), 4)
    2.2622
    """
    return _quantile(lambda p, d: special.stdtrit(d, p), q, df, -np.inf, np.inf)


def chi2_ppf(q: Any, df: Any) -> Any:
    """Quantile of the chi-square distribution, as ``scipy.stats.chi2.ppf``: ``2 · special.gammaincinv(df/2, q)``.

    ``q`` of 0 gives 0 and of 1 gives inf; ``q`` outside [0, 1], ``df <= 0`` or NaN give NaN.

    Examples
    --------
    >>> round(float(chi2_ppf(0.95, 1)), 4)
    3.8415
    """
    return _quantile(lambda p, d: 2 * special.gammaincinv(d / 2, p), q, df, 0.0, np.inf)


def t_interval(confidence: float, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> tuple[Any, Any]:
    """Central interval of a (shifted, scaled) Student t, as ``scipy.stats.t.interval``.

    Parameters
    ----------
    confidence : float
        Probability inside the interval, in [0, 1].
    df : float or array-like
        Degrees of freedom (> 0).
    loc, scale : float or array-like
        Centre and scale (> 0; a scale of 0 gives NaN bounds, as in scipy), e.g. a mean and
        its standard error (:func:`sem`).

    Returns
    -------
    low, high : float or ndarray
        ``loc ± t_{(1+confidence)/2, df} · scale``.

    Examples
    --------
    >>> x = np.array([3.0, 4.0, 5.0, 5.0])
    >>> [round(float(b), 4) for b in t_interval(0.95, len(x) - 1, loc=x.mean(), scale=sem(x))]
    [2.7265, 5.7735]
    """
    a = float(confidence)
    if not 0 <= a <= 1:
        raise ParameterError(f"confidence must be between 0 and 1; got {confidence!r}")
    loc, scale = np.asarray(loc, dtype=float), np.asarray(scale, dtype=float)
    ok = (scale > 0) & (loc == loc)
    with np.errstate(invalid="ignore"):
        low = np.where(ok, t_ppf((1 - a) / 2, df) * scale + loc, np.nan)
        high = np.where(ok, t_ppf((1 + a) / 2, df) * scale + loc, np.nan)
    return low[()], high[()]


def sem(values: Any) -> float:
    """Standard error of the mean ``s / √n`` (``ddof=1``), as ``scipy.stats.sem`` of a 1-D sample."""
    x = np.asarray(values, dtype=float).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.std(x, ddof=1) / len(x) ** 0.5) if len(x) > 1 else np.nan


def welch_pvalue(a: Any, b: Any) -> float:
    """Two-sided p-value of Welch's t test, as ``scipy.stats.ttest_ind(a, b, equal_var=False).pvalue``.

    ``t = (ā − b̄) / √(s²_a/n_a + s²_b/n_b)`` on the Welch–Satterthwaite degrees of freedom (Welch
    1947); NaN with an empty sample, a sample of one or a NaN value.

    Examples
    --------
    >>> round(welch_pvalue([4, 5, 5, 4, 5, 3], [3, 2, 4, 3, 2]), 4)
    0.0144
    """
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m2 = x.mean(), y.mean()
        vn1 = np.mean((x - m1) ** 2) * (n1 / (n1 - 1)) / n1 if n1 > 1 else np.nan
        vn2 = np.mean((y - m2) ** 2) * (n2 / (n2 - 1)) / n2 if n2 > 1 else np.nan
        df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
        df = 1.0 if np.isnan(df) else df  # both variances 0: t is ±inf or NaN, any df will do (as scipy)
        t = (m1 - m2) / np.sqrt(vn1 + vn2)
    return float(2 * special.stdtr(df, -np.abs(t)))


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """``log(n!) − log(√(2πn) (n/e)ⁿ)`` for whole ``n >= 1`` (Loader 2000): exact to n = 15, then its series."""
    small = n <= 15
    ns, nl = np.where(small, n, 1.0), np.where(small, 16.0, n)
    exact = special.gammaln(ns + 1) - (ns + 0.5) * np.log(ns) + ns - _LOG_SQRT_2PI
    n2 = nl * nl
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / n2) / n2) / n2) / n2) / nl
    return np.where(small, exact, series)


def _bd0(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Deviance term ``x log(x/m) + m − x`` for ``x, m > 0``, without cancellation near ``x = m`` (Loader 2000)."""
    near = np.abs(x - m) < 0.1 * (x + m)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        far = x * np.log(x / m) + m - x
        v = np.where(near, (x - m) / (x + m), 0.0)
        s, ej, v2 = (x - m) * v, 2 * x * v, v * v
        for j in range(1, 16):  # |v| < 0.1: each term is 100 times smaller than the last
            ej = ej * v2
            s = s + ej / (2 * j + 1)
    return np.where(near, s, far)


def binom_pmf(k: Any, n: Any, p: Any) -> Any:
    """Binomial probability ``P(X = k)``, ``X ~ Binomial(n, p)``, as ``scipy.stats.binom.pmf``.

    Computed with Loader's saddle-point expansion (the algorithm of R's ``dbinom``): relative
    accuracy near machine precision for any ``n``, where ``C(n, k) pᵏ (1−p)ⁿ⁻ᵏ`` through log-gamma
    loses digits for large ``n``.

    Parameters
    ----------
    k : int or array-like
        Successes; not a whole number in [0, n] gives 0.
    n : int or array-like
        Trials, a whole number >= 0 (else NaN).
    p : float or array-like
        Probability of a success, in [0, 1] (else NaN).

    Returns
    -------
    float or ndarray
        The probability, broadcast over the arguments.

    References
    ----------
    Loader, C. (2000). Fast and accurate computation of binomial probabilities.

    Examples
    --------
    >>> round(float(binom_pmf(3, 10, 0.3)), 6)
    0.266828
    """
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, p)))
    valid = (n >= 0) & np.isfinite(n) & (n == np.floor(n)) & (p >= 0) & (p <= 1)
    support = valid & (k >= 0) & (k <= n) & (k == np.floor(k))
    q = 1 - p
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        inner = support & (k > 0) & (k < n) & (p > 0) & (q > 0)
        kk, nn = np.where(inner, k, 1.0), np.where(inner, n, 2.0)
        pp, qq = np.where(inner, p, 0.5), np.where(inner, q, 0.5)
        lc = _stirlerr(nn) - _stirlerr(kk) - _stirlerr(nn - kk) - _bd0(kk, nn * pp) - _bd0(nn - kk, nn * qq)
        # log(1 − k/n), exact also where k/n is close to 1
        lf = 2 * _LOG_SQRT_2PI + np.log(kk) + np.where(2 * kk <= nn, np.log1p(-kk / nn), np.log((nn - kk) / nn))
        general = np.exp(lc - 0.5 * lf)
        # k = 0 or k = n: (1 − p)ⁿ or pⁿ, through the deviance where p (or 1 − p) is small
        np_, nq = n * p, n * q
        none = np.exp(np.where(p < 0.1, -_bd0(n, nq) - np_, n * np.log(q)))
        every = np.exp(np.where(q < 0.1, -_bd0(n, np_) - nq, n * np.log(p)))
    out = np.where(inner, general, 0.0)
    out = np.where(support & (k == 0) & (k < n) & (p < 1), np.where(p == 0, 1.0, none), out)
    out = np.where(support & (k == n) & (k > 0) & (p > 0), np.where(p == 1, 1.0, every), out)
    out = np.where(support & (n == 0), 1.0, out)
    return np.where(valid, out, np.nan)[()]


def _binom_cdf(k: float, n: int, p: float) -> float:
    """``P(X <= k) = 1 − Iₚ(k + 1, n − k)`` (Boost's ``ibetac``, as ``scipy.stats.binom.cdf``); 0 or 1 off it."""
    return 0.0 if k < 0 else 1.0 if k >= n else float(special.betaincc(math.floor(k) + 1, n - math.floor(k), p))


def _binom_sf(k: float, n: int, p: float) -> float:
    """``P(X > k) = Iₚ(k + 1, n − k)`` (bit for bit ``scipy.stats.binom.sf``); 1 or 0 off the support."""
    return 1.0 if k < 0 else 0.0 if k >= n else float(special.betainc(math.floor(k) + 1, n - math.floor(k), p))


def binom_ppf(q: Any, n: Any, p: Any) -> Any:
    """Binomial quantile: the smallest whole ``k`` with ``P(X <= k) >= q``, as ``scipy.stats.binom.ppf``.

    A bisection over the support (about log₂ n steps, all elements at once) on the binomial CDF
    ``P(X <= k) = 1 − Iₚ(k + 1, n − k) = special.betaincc(k + 1, n − k, p)``, Boost's incomplete
    beta function, which ``scipy.stats.binom.cdf`` evaluates too (``special.bdtr``, the Cephes
    CDF, loses digits for large ``n``: relative error 1e-9 at n = 10⁶, 0.6 at n = 10⁹). Where
    several ``k`` have a CDF equal to ``q`` (a plateau just below 1), the last of them, as scipy's
    Boost search (``integer_round_up``) settles. Only where ``q`` equals a CDF value to the last
    bits can the result differ by one from scipy's, whose Boost build rounds the CDF in double
    precision: ``q = 0.5, p = 0.5`` and an odd ``n``, where ``P(X <= (n − 1)/2) = ½`` exactly and
    this gives ``(n − 1)/2`` while scipy gives ``(n + 1)/2`` for about half of the ``n``; and
    ``q = 1 − p`` at ``n = 1`` (e.g. ``q = 0.1, p = 0.9``: scipy 0, comparing ``q`` with its
    ``P(X = 0) = 0.10000000000000003``, this 1, as ``P(X <= 0) = 1 − 0.9 = 0.09999999999999998``).

    Parameters
    ----------
    q : float or array-like
        Probability in [0, 1]; 0 gives −1 and 1 gives ``n``, as in scipy; outside [0, 1] NaN.
    n : int or array-like
        Trials, a whole number >= 0 (else NaN).
    p : float or array-like
        Probability of a success, in [0, 1] (else NaN).

    Returns
    -------
    float or ndarray
        The quantile (a whole number, as a float), broadcast over the arguments.

    Examples
    --------
    >>> float(binom_ppf(0.025, 100, 0.5)), float(binom_ppf(0.975, 100, 0.5))
    (40.0, 60.0)
    """
    q, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q, n, p)))
    valid = (n >= 0) & np.isfinite(n) & (n == np.floor(n)) & (p >= 0) & (p <= 1) & (q >= 0) & (q <= 1)
    inner = valid & (q > 0) & (q < 1)
    trials, prob = np.where(inner, n, 0.0), np.where(inner, p, 0.5)

    def cdf(k: np.ndarray) -> np.ndarray:  # for 0 <= k < n
        return special.betaincc(k + 1, trials - k, prob)

    lo, hi = np.zeros(q.shape), trials
    while np.any(lo < hi):  # the smallest k with cdf(k) > q: cdf(hi) > q, cdf(lo − 1) <= q (cdf(n) = 1 > q)
        searching = lo < hi
        mid = np.floor((lo + hi) / 2)  # below hi <= n where searching
        above = cdf(np.where(searching, mid, 0.0)) > q
        hi = np.where(searching & above, mid, hi)
        lo = np.where(searching & ~above, mid + 1, lo)
    # k − 1 where cdf(k − 1) == q: the last of the k with cdf(k) == q, else k, the first with cdf(k) >= q
    tie = (lo >= 1) & (cdf(np.maximum(lo - 1, 0.0)) == q)
    out = np.where(inner, np.where(tie, lo - 1, lo), np.nan)
    out = np.where(valid & (q == 0), -1.0, np.where(valid & (q == 1), n, out))
    return out[()]


def binomtest_pvalue(k: int, n: int, p: float = 0.5) -> float:
    """Two-sided p-value of the exact binomial test, as ``scipy.stats.binomtest(k, n, p).pvalue``.

    The "minlike" method: the probability of every outcome no more likely than ``k``, outcomes
    counted as equally likely within a relative tolerance of 1e-7 (``pmf(i) <= pmf(k)·(1 + 1e-7)``),
    found by bisection on the far side of the mode, exactly as scipy does.

    Parameters
    ----------
    k : int
        Successes, a whole number in [0, n].
    n : int
        Trials, a whole number >= 1.
    p : float
        Probability of a success under the null hypothesis, in [0, 1].

    Returns
    -------
    float
        The p-value, at most 1.

    References
    ----------
    SciPy, ``scipy.stats.binomtest`` (two-sided alternative). Agresti, A. (2013). Categorical Data
    Analysis, 3rd ed., §1.4.

    Examples
    --------
    >>> round(binomtest_pvalue(30, 45, 0.5), 4)
    0.0357
    >>> binomtest_pvalue(5, 10, 0.5)
    1.0
    """
    if int(k) != k or not 0 <= k <= n:
        raise ParameterError(f"k must be a whole number between 0 and n = {n}; got {k!r}")
    if int(n) != n or n < 1:
        raise ParameterError(f"n must be a whole number >= 1; got {n!r}")
    if not 0 <= p <= 1:
        raise ParameterError(f"p must be between 0 and 1; got {p!r}")
    k, n, p = int(k), int(n), float(p)

    def pmf(x: float) -> float:
        return float(binom_pmf(x, n, p))

    d = pmf(k)
    rerr = 1 + 1e-7
    if k == p * n:
        return 1.0
    if k < p * n:
        ix = _bisect_pmf(lambda x: -pmf(x), -d * rerr, math.ceil(p * n), n)
        y = n - ix + int(d * rerr == pmf(ix))  # outcomes above the mode no more likely than k
        pval = _binom_cdf(k, n, p) + _binom_sf(n - y, n, p)
    else:
        ix = _bisect_pmf(pmf, d * rerr, 0, math.floor(p * n))
        pval = _binom_cdf(ix, n, p) + _binom_sf(k - 1, n, p)  # outcomes 0 … ix below the mode
    return min(1.0, pval)


def _bisect_pmf(a: Any, d: float, lo: int, hi: int) -> int:
    """The ``i`` in [lo − 1, hi] with ``a(i) <= d < a(i + 1)``, ``a`` increasing (scipy's binomtest search)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval of a binomial proportion, from the beta quantiles.

    The bounds solve ``P(X >= k | p_low) = α/2`` and ``P(X <= k | p_high) = α/2``, so
    ``p_low = B⁻¹(α/2; k, n − k + 1)`` and ``p_high = B⁻¹(1 − α/2; k + 1, n − k)`` (0 and 1 at
    ``k = 0`` and ``k = n``). ``scipy.stats.binomtest(k, n).proportion_ci(confidence)`` solves the
    same equations numerically (brentq, absolute tolerance 2e-12).

    Parameters
    ----------
    k : int
        Successes, in [0, n].
    n : int
        Trials (>= 1).
    confidence : float
        Level of the interval, in [0, 1].

    Returns
    -------
    low, high : float
        Bounds of the interval.

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
    in the case of the binomial. Biometrika 26, 404–413.

    Examples
    --------
    >>> [round(b, 4) for b in clopper_pearson(3, 10)]
    [0.0667, 0.6525]
    """
    if not 0 <= confidence <= 1:
        raise ParameterError(f"confidence must be between 0 and 1; got {confidence!r}")
    alpha = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha))
    high = 1.0 if k == n else float(special.betainccinv(k + 1, n - k, alpha))
    return low, high
