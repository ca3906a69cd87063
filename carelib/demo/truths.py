"""The demo company's calendar and its planted truths, in one place.

Everything the demo generator puts in on purpose — the North delivery trouble, the double
charge, the PMF pulse, team B's rigid refusals, the Monday-morning wave — is a constant here;
the generator (:mod:`carelib.demo.workspace`, :mod:`carelib.demo.support`) reads them and
writes them to ``TRUTH.yml`` so tests can check that carekit finds them (``docs/demo-story.md``).
"""

from __future__ import annotations

import pandas as pd

from carelib.periods import week_bounds

__all__ = ["START", "N_WEEKS", "END", "DEMO_WEEKS", "iso_week_start", "week_index", "BAD_NORTH", "DOUBLE_CHARGE",
           "DOUBLE_CHARGE_RELEASE", "DOUBLE_CHARGE_COMPLAINTS", "PMF_WEEK", "ENPS_PULSES", "REGIONS", "PLANS", "CHANNELS", "TEAMS"]

START = pd.Timestamp("2025-11-24")  # Monday of ISO week 2025-W48
N_WEEKS = 52
END = START + pd.Timedelta(weeks=N_WEEKS)  # exclusive: Monday of 2026-W48
DEMO_WEEKS = ("2025-W48", "2026-W47")
# the demo company's own attribute values: the workspace contracts hold no list (a real company has its own)
REGIONS = ("North", "South", "East", "West")
PLANS = ("Standard", "Plus")  # Plus members are 30% of customers
CHANNELS = ("web", "app")  # app shoppers are 45%
TEAMS = ("A", "B", "C")


def iso_week_start(label: str) -> pd.Timestamp:
    """Monday of an ISO week label such as ``"2026-W20"`` (:func:`carelib.periods.week_bounds`).

    Examples
    --------
    >>> str(iso_week_start("2026-W20").date())
    '2026-05-11'
    """
    return week_bounds(label)[0]


def week_index(label: str) -> int:
    """Weeks from the demo's first Monday to the Monday of ``label``."""
    return int((iso_week_start(label) - START).days // 7)


BAD_NORTH = (week_index("2026-W20"), week_index("2026-W27"))  # inclusive week indices
DOUBLE_CHARGE = (week_index("2026-W33"), week_index("2026-W34"))
# app 4.2 reached a staged share of app users on Tuesday 10:00 of W33 and every app user in W34: the
# double-charge complaints per week at scale 1 (W33, W34) rise from the first week to the second
DOUBLE_CHARGE_RELEASE = pd.Timedelta(days=1, hours=10)  # after the Monday of W33
DOUBLE_CHARGE_COMPLAINTS = (28, 70)
PMF_WEEK = week_index("2026-W40")
ENPS_PULSES = ("2025-12-10", "2026-03-11", "2026-06-10", "2026-09-09")  # Q4, Q1, Q2, Q3



# support: how each team answers (shares of conversations); team B refuses returns rigidly
EMPATHY_P = {"A": 0.35, "B": 0.2, "C": 0.75}
RIGID_RETURNS_P = {"A": 0.08, "B": 0.55, "C": 0.06}
RIGID_OTHER_P = {"A": 0.012, "B": 0.07, "C": 0.01}
EXCEPTION_RETURNS_P = {"A": 0.35, "B": 0.04, "C": 0.4}
PLAN_P = 0.40
MONDAY_WAVE = (8, 11)  # hours [8, 11) on Mondays
