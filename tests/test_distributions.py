"""The distribution functions of carelib.metrics.distributions give the numbers of scipy.stats (not imported by carelib).

scipy.stats costs about a second to import; carelib computes the few distribution functions it needs from
scipy.special (closed forms, Boost's incomplete beta, Loader's binomial pmf). Each is compared here with
scipy.stats over a grid of values and the edge cases: to 1e-10 relative for the continuous ones, exactly for
the discrete ones.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

from carelib.errors import ParameterError
from carelib.metrics import distributions as iv
from carelib.metrics import intervals

RTOL = 1e-10


def close(mine, ref, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Equal to ``rtol`` relative, NaN where scipy gives NaN and the same infinities."""
    np.testing.assert_allclose(np.asarray(mine, dtype=float), np.asarray(ref, dtype=float), rtol=rtol, atol=atol)


def exact(mine, ref) -> None:
    np.testing.assert_array_equal(np.asarray(mine, dtype=float), np.asarray(ref, dtype=float))


# --- normal ------------------------------------------------------------------------------------------------------

X = np.array([-np.inf, -40.0, -8.5, -3.0, -1.96, -1.0, -1e-300, 0.0, 1e-12, 0.5, 1.0, 1.6448536, 1.96, 2.5758,
              3.0, 8.0, 8.5, 20.0, 38.0, 40.0, np.inf, np.nan])
Q = np.array([0.0, 1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9,
              0.95, 0.975, 0.99, 0.995, 0.999, 1 - 1e-6, 1 - 1e-12, 1 - 2**-53, 1.0, -0.1, 1.1, np.nan])


def test_norm_sf_and_ppf_match_scipy():
    close(iv.norm_sf(X), stats.norm.sf(X))
    close(iv.norm_ppf(Q), stats.norm.ppf(Q))
    assert isinstance(iv.norm_sf(1.0), float) and iv.norm_sf(1.0) == stats.norm.sf(1.0)  # scalars in, scalars out
    close(2 * iv.norm_sf(np.abs(X)), 2 * stats.norm.sf(np.abs(X)))  # the two-sided p-value of every z test


def test_z_value():
    for c in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1 - 1e-9):
        assert iv.z_value(c) == pytest.approx(float(stats.norm.ppf(0.5 + c / 2)), rel=RTOL)
    for bad in (0, 1, 1.5, -0.1, float("nan")):
        with pytest.raises(ParameterError):
            iv.z_value(bad)
    from carelib.metrics import tally
    assert tally.z_value is iv.z_value  # still importable from tally, where the metrics modules take it


# --- Student t -----------------------------------------------------------------------------------------------------

DF = np.array([1e-3, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 9.0, 10.0, 29.0, 30.0, 100.0, 1e3, 1e6, 1e12, np.inf])


def test_t_ppf_matches_scipy():
    q, df = np.meshgrid(Q, DF, indexing="ij")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = stats.t.ppf(q, df)
    close(iv.t_ppf(q, df), ref)
    close(iv.t_ppf(0.975, [0.0, -1.0, np.nan]), stats.t.ppf(0.975, [0.0, -1.0, np.nan]))  # df <= 0: NaN
    assert iv.t_ppf(0.975, 1) == pytest.approx(12.706204736174698, rel=1e-14)


@pytest.mark.parametrize("confidence", [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # scipy's, at a scale of 0 or a NaN loc
def test_t_interval_matches_scipy(confidence):
    for df, loc, scale in [(1, 0.0, 1.0), (2, 4.2, 0.3), (9, -3.0, 1e-6), (1e3, 1e6, 250.0), (np.inf, 1.0, 2.0),
                           (5, 1.0, 0.0), (5, np.nan, 1.0), (5, 1.0, -1.0)]:
        close(iv.t_interval(confidence, df, loc=loc, scale=scale),
              stats.t.interval(confidence, df, loc=loc, scale=scale))
    loc, scale = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    close(iv.t_interval(confidence, [2, 5, 30], loc, scale), stats.t.interval(confidence, [2, 5, 30], loc, scale))
    with pytest.raises(ParameterError):
        iv.t_interval(1.5, 3)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # scipy's, at a scale of 0
def test_sem_and_the_stars_interval_match_scipy():
    rng = np.random.default_rng(0)
    for x in ([4.0, 5.0], [1, 2, 3, 4, 5], [3.0, 3.0, 3.0], rng.integers(1, 6, 500), rng.normal(1e6, 1e-3, 1000)):
        x = np.asarray(x, dtype=float)
        assert iv.sem(x) == pytest.approx(float(stats.sem(x)), rel=RTOL, abs=0.0)
        close(iv.t_interval(0.95, len(x) - 1, loc=x.mean(), scale=iv.sem(x)),
              stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x)))  # review.stars_row
    assert np.isnan(iv.sem([1.0]))


def test_welch_pvalue_matches_scipy():
    rng = np.random.default_rng(1)
    samples = [
        ([4, 5, 5, 4, 5, 3], [3, 2, 4, 3, 2]), ([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [3.0, 4.0, 5.0]),
        ([5, 5, 5], [4, 4, 4]), ([5, 5, 5], [5, 5, 5]), ([5, 5, 5], [1, 3, 5]), ([1, 2, 3], [1e9, 1e9 + 1]),
        (rng.integers(1, 6, 2000), rng.integers(1, 6, 30)), (rng.normal(0, 1, 7), rng.normal(0.3, 5, 400)),
        (rng.normal(0, 1, 50_000), rng.normal(0.01, 1, 50_000)), ([1.0, np.nan, 3.0], [1.0, 2.0]),
    ]
    for a, b in samples:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        mine = iv.welch_pvalue(a, b)
        assert isinstance(mine, float)
        close(mine, ref)


# --- chi-square ----------------------------------------------------------------------------------------------------


def test_chi2_ppf_matches_scipy():
    df = np.array([1e-300, 2e-300, 1e-6, 0.5, 1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 21.0, 101.0, 2e3, 2e6 + 2, 2e9])
    q, d = np.meshgrid(Q, df, indexing="ij")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = stats.chi2.ppf(q, d)
    close(iv.chi2_ppf(q, d), ref)
    close(iv.chi2_ppf(0.5, [0.0, -2.0, np.nan, np.inf]), stats.chi2.ppf(0.5, [0.0, -2.0, np.nan, np.inf]))


def test_garwood_as_with_scipy():
    k = np.array([0, 1, 2, 5, 10, 100, 10_000, 10**7])
    for confidence in (0.8, 0.95, 0.999):
        a = 1 - confidence
        ref_lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * np.maximum(k, 1e-300)) / 2, 0.0)
        ref_hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
        close(intervals.garwood(k, confidence), (ref_lo, ref_hi))


# --- binomial ------------------------------------------------------------------------------------------------------

NS = [0, 1, 2, 3, 5, 10, 11, 20, 37, 100, 101, 1000, 12_345, 10**6, 10**9]
PS = [0.0, 1e-300, 1e-12, 1e-6, 0.001, 0.01, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-9, 1.0]


def test_binom_pmf_matches_scipy():
    rows = []
    for n in NS:
        for p in PS:
            mode = np.floor((n + 1) * p)
            sd = np.sqrt(n * p * (1 - p))
            ks = {0, 1, 2, n - 2, n - 1, n, n + 1, -1, n // 2, mode, mode - 1, mode + 1, *(mode + z * sd for z in
                                                                                         (-8, -3, -1, 1, 3, 8))}
            rows += [(np.floor(k), n, p) for k in ks]
    k, n, p = np.array(rows).T
    ref = stats.binom.pmf(k, n, p)
    mine = iv.binom_pmf(k, n, p)
    normal = ref > 1e-290  # away from underflow
    close(mine[normal], ref[normal], rtol=1e-10)
    assert np.all(np.abs(mine[~normal]) <= 1e-280)
    exact(iv.binom_pmf([0, 3, 2.5, -1, 11], 10, 0.0), [1, 0, 0, 0, 0])
    exact(iv.binom_pmf([10, 9, 0], 10, 1.0), [1, 0, 0])
    exact(iv.binom_pmf(0, 0, 0.3), 1.0)
    exact(iv.binom_pmf(3, [10.5, -1, np.nan, 10], [0.3, 0.3, 0.3, 1.5]), [np.nan] * 4)  # invalid n or p: NaN
    rng = np.random.default_rng(2)
    n = rng.integers(0, 5000, 20_000)
    p = rng.random(20_000)
    k = np.clip(np.round(n * p + rng.normal(0, 3, n.size) * np.sqrt(n * p * (1 - p) + 1)), 0, n)
    close(iv.binom_pmf(k, n, p), stats.binom.pmf(k, n, p), rtol=1e-10)


QS = [0.0, 1e-12, 1e-6, 0.001, 0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995, 0.999, 1 - 1e-9, 1.0]


def _ties(q, n, p):
    """The documented exact ties (see binom_ppf): q = 1 − p at n = 1, and the median of an odd n at p = ½."""
    q, n, p = np.broadcast_arrays(q, n, p)
    return ((n == 1) & np.isclose(q, 1 - p, rtol=0, atol=1e-15)) | ((q == 0.5) & (p == 0.5) & (n % 2 == 1))


def test_binom_ppf_matches_scipy_exactly():
    q, n, p = (a.ravel() for a in np.meshgrid(QS, NS, PS, indexing="ij"))
    keep = ~_ties(q, n, p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Boost's search warns at n = 10⁹ (and gets there)
        ref = stats.binom.ppf(q[keep], n[keep], p[keep])
    exact(iv.binom_ppf(q[keep], n[keep], p[keep]), ref)
    # every decimal q, n <= 60 and p in steps of 0.01: the ties are the only differences (4 of 136,620)
    q, n, p = (a.ravel() for a in np.meshgrid(
        [0.001, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.975,
         0.98, 0.99, 0.995, 0.999], np.arange(1, 61), np.round(np.arange(1, 100) / 100, 2), indexing="ij"))
    mine, ref = iv.binom_ppf(q, n, p), stats.binom.ppf(q, n, p)
    exact(mine[~_ties(q, n, p)], ref[~_ties(q, n, p)])
    assert (mine != ref).sum() == 4
    rng = np.random.default_rng(3)
    n = rng.integers(0, 3000, 50_000)
    p = np.round(rng.random(50_000), int(rng.integers(1, 17)))
    q = rng.random(50_000)
    exact(iv.binom_ppf(q, n, p), stats.binom.ppf(q, n, p))


def test_binom_ppf_at_exact_ties():
    """Where q equals a CDF value in exact arithmetic, the last bits decide (see binom_ppf)."""
    # P(X <= (n − 1)/2) = ½ at p = ½ and an odd n: the median is (n − 1)/2; scipy, which rounds its CDF in double
    # precision, says (n + 1)/2 for about half of the n (e.g. 35, 39, 12,345)
    n = np.arange(1, 20_001, 2)
    exact(iv.binom_ppf(0.5, n, 0.5), (n - 1) / 2)
    exact(iv.binom_ppf(0.5, [11, 37, 101], 0.5), stats.binom.ppf(0.5, [11, 37, 101], 0.5))
    # P(X <= 0) = 1 − 0.9 = 0.09999999999999998 < 0.1 in floating point: 1 (scipy 0)
    assert iv.binom_ppf(0.1, 1, 0.9) == 1.0
    # a plateau of CDF values equal to q just below 1 (P(X <= 208) = P(X <= 209) = 1 − 2⁻⁵³): the last, as scipy
    q = 1 - 2**-53
    assert stats.binom.cdf(207, 500, 0.25) < q == stats.binom.cdf(208, 500, 0.25) == stats.binom.cdf(209, 500, 0.25)
    assert iv.binom_ppf(q, 500, 0.25) == stats.binom.ppf(q, 500, 0.25) == 209


def test_binom_ppf_edges():
    exact(iv.binom_ppf([0.0, 1.0, 0.5], 10, 0.3), [-1, 10, 3])  # scipy: ppf(0) = −1, ppf(1) = n
    exact(iv.binom_ppf([0.2, 0.9], 0, 0.3), [0, 0])  # no trial: always 0
    exact(iv.binom_ppf([0.2, 0.9], 10, 0.0), [0, 0])
    exact(iv.binom_ppf([0.2, 0.9], 10, 1.0), [10, 10])
    q, n, p = [1.5, -0.1, np.nan, 0.5, 0.5, 0.5, 0.5], [10, 10, 10, 10.5, -1, np.inf, 10], [0.3] * 6 + [1.2]
    exact(iv.binom_ppf(q, n, p), stats.binom.ppf(q, n, p))  # invalid: NaN
    assert isinstance(iv.binom_ppf(0.025, 100, 0.5), float)
    # response_times' order-statistic ranks (Conover): the median of 100 lies between the 40th and 61st
    assert (iv.binom_ppf(0.025, 100, 0.5), iv.binom_ppf(0.975, 100, 0.5) + 1) == (40.0, 61.0)
    for n in (1, 2, 5, 19, 20, 99, 1000, 123_457, 10**8):
        for q in (0.5, 0.75, 0.9, 0.95, 0.99):
            for a in (0.5, 0.2, 0.1, 0.05, 0.01, 0.001):
                for x in (a / 2, 1 - a / 2):
                    if not _ties(x, n, q):
                        assert iv.binom_ppf(x, n, q) == stats.binom.ppf(x, n, q), (x, n, q)


def _binomtest_cases() -> list[tuple[int, int, float]]:
    cases = [(k, n, p) for n in (1, 2, 3, 7, 10, 11, 50) for p in (0.0, 1e-9, 0.1, 0.25, 1 / 3, 0.5, 0.9, 1 - 1e-9, 1.0)
             for k in range(n + 1)]
    cases += [(k, n, p) for n in (1000, 10**5, 10**9) for p in (1e-6, 0.03, 0.5, 0.77)
              for k in sorted({0, 1, n - 1, n, *(int(n * p + z * np.sqrt(n * p * (1 - p))) for z in (-9, -3, -1, 0, 1,
                                                                                                     2, 5))})
              if 0 <= k <= n]
    rng = np.random.default_rng(4)
    for _ in range(600):
        n = int(rng.integers(1, 3000))
        p = float(rng.random())
        cases.append((int(rng.integers(0, n + 1)), n, p))
    return cases


def test_binomtest_pvalue_matches_scipy():
    for k, n, p in _binomtest_cases():
        ref = stats.binomtest(k, n, p).pvalue
        mine = iv.binomtest_pvalue(k, n, p)
        assert isinstance(mine, float)
        # below 1e-250 scipy's CDF (Boost in double precision) underflows to 0 where special.betaincc does not
        assert mine == pytest.approx(ref, rel=RTOL, abs=1e-250), (k, n, p)
    # the symmetric case, where the 1 + 1e-7 tolerance counts both tails' equal outcomes
    assert iv.binomtest_pvalue(3, 10, 0.5) == pytest.approx(stats.binomtest(3, 10, 0.5).pvalue, rel=1e-14)
    assert iv.binomtest_pvalue(5, 10, 0.5) == 1.0
    for bad in [(11, 10, 0.5), (-1, 10, 0.5), (2.5, 10, 0.5), (0, 0, 0.5), (3, 10, 1.5)]:
        with pytest.raises(ParameterError):
            iv.binomtest_pvalue(*bad)


def test_clopper_pearson_as_scipys_exact_interval():
    """scipy solves the same equations with brentq (absolute tolerance 2e-12): equal within that, and the beta
    quantiles solve them at least as well."""
    for n in (1, 2, 3, 10, 50, 100, 1000, 10**5, 10**7):
        for k in sorted({0, 1, 2, n // 3, n // 2, n - 1, n} & set(range(n + 1))):
            for confidence in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
                ci = stats.binomtest(k, n).proportion_ci(confidence, method="exact")
                low, high = iv.clopper_pearson(k, n, confidence)
                close((low, high), (ci.low, ci.high), rtol=RTOL, atol=2e-12)
                alpha = (1 - confidence) / 2
                if k > 0:  # P(X >= k | low) = α/2
                    mine, theirs = (abs(stats.binom.sf(k - 1, n, x) / alpha - 1) for x in (low, ci.low))
                    assert mine <= theirs + 1e-10
                if k < n:  # P(X <= k | high) = α/2
                    mine, theirs = (abs(stats.binom.cdf(k, n, x) / alpha - 1) for x in (high, ci.high))
                    assert mine <= theirs + 1e-10
    assert iv.clopper_pearson(0, 10)[0] == 0.0 and iv.clopper_pearson(10, 10)[1] == 1.0


def test_rate_ratio_as_with_scipy():
    for k1, e1, k0, e0 in [(30, 1000, 15, 1000), (0, 10, 5, 10), (5, 10, 0, 10), (1, 1e6, 1, 1e6), (7, 3.5, 2, 9.1),
                           (12_000, 5e5, 11_000, 5e5), (1, 1, 0, 1)]:
        r = intervals.rate_ratio(k1, e1, k0, e0)
        test = stats.binomtest(k1, k1 + k0, e1 / (e1 + e0))
        ci = test.proportion_ci(0.95, method="exact")
        assert r["p_value"] == pytest.approx(test.pvalue, rel=RTOL)
        odds = e0 / e1
        for got, p in ((r["ci_low"], ci.low), (r["ci_high"], ci.high)):
            want = np.inf if p >= 1 else p / (1 - p) * odds
            assert got == pytest.approx(want, rel=1e-8, abs=1e-10)


# --- what carelib does not import ----------------------------------------------------------------------------------


def test_a_metric_review_kernel_does_not_import_scipy_stats():
    """scipy.stats costs about a second a process; carelib's metrics and analysis do without it."""
    code = "import sys, carelib.practices.metric_review; print('scipy.stats' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False", "scipy.stats is imported (python -X importtime shows by whom)"
