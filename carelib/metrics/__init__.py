"""Metrics: tallies on any engine, then inference on the small result.

``from carelib import metrics`` gives the public functions of every metrics module:
survey metrics (:mod:`~carelib.metrics.survey`), rates (:mod:`~carelib.metrics.rates`),
intervals and two-sample tests (:mod:`~carelib.metrics.intervals`), tallies
(:mod:`~carelib.metrics.tally`) and multiple testing (:mod:`~carelib.metrics.multiple_testing`).
Response times, control charts and metric definitions live in their own modules.
"""

from carelib.checks import as_bool
from carelib.metrics.intervals import (
    METHODS,
    adjusted_wald,
    garwood,
    mean_from_counts,
    nps_difference,
    nps_from_counts,
    rate_ratio,
    share_difference,
    wilson,
)
from carelib.metrics.multiple_testing import benjamini_hochberg
from carelib.metrics.rates import rate
from carelib.metrics.survey import (
    NPS_COLUMNS,
    agreement_rate,
    ces,
    compare_nps,
    csat,
    enps,
    nps,
    pmf,
    proportion,
    ratings,
    score_accounting,
)
from carelib.metrics.tally import count_by, tally_nps, tally_scale

__all__ = [
    "METHODS", "NPS_COLUMNS", "adjusted_wald", "agreement_rate", "as_bool", "benjamini_hochberg", "ces", "compare_nps", "count_by",
    "csat", "enps", "garwood", "mean_from_counts", "nps", "nps_difference", "nps_from_counts", "pmf", "proportion",
    "rate", "rate_ratio", "ratings", "score_accounting", "share_difference", "tally_nps", "tally_scale", "wilson",
]
