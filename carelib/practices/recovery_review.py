"""The recovery review: the recovery log, its failure modes as a backlog, and who to call this week.

``notebooks/recovery_review.ipynb`` narrates these functions: :func:`open_review` reads the workspace
and prepares the redacted recovery log and its backlog once; each section function takes that
:class:`Review`, publishes its findings and returns what the section shows (:class:`common.Shown`).
Customer text is redacted (the workspace's roster, greetings too) before anything is derived from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from carelib import exports
from carelib.analysis import hightouch, recovery
from carelib.data.tables import Workspace
from carelib.practices import common
from carelib.report import findings, plots
from carelib.report.html import md

__all__ = ["Review", "open_review", "tables_note", "log_summary", "recovery_log", "backlog_table", "stories",
           "backlog", "cost_chart", "high_touch_tables", "call_reasons", "who_to_call", "BACKLOG_COLUMNS",
           "HIGH_TOUCH_TABLES"]

#: The backlog columns the section shows (the export keeps them all, the story included).
BACKLOG_COLUMNS = ["mode", "mode_label", "incidents", "customers", "total_cost", "first_seen", "last_seen", "fixed",
                   "days_to_fix_median", "churned", "evidence"]
#: The tables the high-touch rules read, when the workspace has them.
HIGH_TOUCH_TABLES = ("responses", "tickets", "orders", "recoveries", "complaints")


@dataclass(frozen=True)
class Review:
    """What every section of the review reads: the workspace, the prepared frames and the parameters.

    ``log`` (the recovery log, redacted) and ``backlog`` (one row per failure mode) are None when the
    workspace has no recoveries table; ``export_dir`` is None when nothing is exported.
    """

    ws: Workspace
    redact: Callable[[str], str]
    log: pd.DataFrame | None
    backlog: pd.DataFrame | None
    as_of: str | None
    window_days: int
    first_n: int
    silent_days: int
    export_dir: Path | None


def open_review(data_dir: str, *, as_of: str = "", n_modes: int = 0, segment: str = "customer",
                window_days: int = 28, first_n: int = 100, silent_days: int = 60, export_dir: str = "") -> Review:
    """Open the review from the notebook's parameters: workspace, redactor, redacted log and backlog.

    Parameters
    ----------
    data_dir : str
        Workspace folder (rows that break a contract are set aside, see :func:`common.open_workspace`).
    as_of : str
        The day the high-touch list is for; empty: the latest date in the data.
    n_modes : int
        Number of failure modes; 0 cuts the clustering tree automatically.
    segment : str
        Who the user stories speak for.
    window_days, first_n, silent_days : int
        The high-touch rules' window, early-customer count and days of silence.
    export_dir : str
        Folder for ``recovery_backlog.csv`` and ``high_touch.csv`` (created); empty: no export.

    Returns
    -------
    Review

    Examples
    --------
    >>> import tempfile
    >>> review = open_review(tempfile.mkdtemp())
    >>> review.log is None, review.export_dir is None
    (True, True)
    """
    ws = common.open_workspace(data_dir)
    redact = common.redactor(ws).redact  # roster names become pseudonyms; e-mails, phones ... their kind
    log = modes = None
    if ws.has("recoveries"):
        log = recovery.redact_log(ws["recoveries"], redact)  # redacted before anything is derived from it
        modes = recovery.recovery_backlog(recovery.failure_modes(log, n_modes=n_modes or None, redact=redact),
                                          segment=segment)
    out = Path(export_dir) if export_dir else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    return Review(ws, redact, log, modes, as_of or None, window_days, first_n, silent_days, out)


def tables_note(review: Review) -> Markdown:
    """The tables the workspace holds, as one Markdown line."""
    return common.note("Tables: {tables}", tables=", ".join(review.ws.available()))


def log_summary(log: pd.DataFrame) -> pd.DataFrame:
    """One row: incidents, customers, total cost, share retained and share fixed (None without ``fixed_at``).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "cost": ["10", "2.5", None],
    ...                     "outcome": ["retained", "churned", "retained"], "fixed_at": ["2026-01-02", None, None]})
    >>> log_summary(log).round(3).to_dict("records")
    [{'incidents': 3, 'customers': 2, 'total cost (EUR)': 12.5, 'retained': 0.667, 'fixed': 0.333}]
    """
    cost = pd.to_numeric(log["cost"], errors="coerce")
    return pd.DataFrame({"incidents": [len(log)], "customers": [log["customer_id"].nunique()],
                         "total cost (EUR)": [cost.sum()], "retained": [(log["outcome"] == "retained").mean()],
                         "fixed": [log["fixed_at"].notna().mean()] if "fixed_at" in log else [None]})


def recovery_log(review: Review) -> common.Shown:
    """Section 1: the log in one row and by outcome; publishes ``recovery.cost``."""
    if review.log is None:
        return common.Shown(Markdown("_No recoveries table in this workspace._")) + common.load_report(review.ws)
    log = review.log
    cost = pd.to_numeric(log["cost"], errors="coerce")
    findings.publish("recovery.cost", float(cost.sum()), label="Cost of recoveries",
                     text=f"€{cost.sum():,.0f} over {len(log)} incidents and {log['customer_id'].nunique()} customers")
    summary = common.table(log_summary(log), "The recovery log in one row: incidents, customers, total cost (EUR), "
                                             "share retained and share fixed")
    outcomes = common.table(log["outcome"].value_counts().rename("incidents").to_frame(),
                            "Incidents by outcome, most frequent first")
    return common.Shown(summary, outcomes) + common.load_report(review.ws)


def backlog_table(backlog: pd.DataFrame) -> pd.DataFrame:
    """The backlog as the section shows it: :data:`BACKLOG_COLUMNS`, first and last seen as dates."""
    return backlog.assign(first_seen=backlog["first_seen"].dt.date,
                          last_seen=backlog["last_seen"].dt.date)[BACKLOG_COLUMNS]


def stories(backlog: pd.DataFrame) -> str:
    """The user stories as a numbered Markdown list (every story escaped).

    Examples
    --------
    >>> stories(pd.DataFrame({"mode": [1, 2], "story": ["As a customer, I need *x*", "y"]}))
    '1. As a customer, I need \\\\*x\\\\*\\n2. y'
    """
    return "\n".join(md("{mode}. {story}", mode=r.mode, story=r.story) for r in backlog.itertuples())


def backlog(review: Review) -> common.Shown:
    """Section 2: the backlog and its stories; publishes the top three ``recovery.mode.<n>``; exports it."""
    if review.backlog is None:
        return common.Shown()
    items = review.backlog
    for r in items.head(3).itertuples():
        findings.publish(f"recovery.mode.{r.mode}", int(r.incidents), kind="theme", label=f"Failure mode: {r.mode_label}",
                         text=f"{r.incidents} incidents, {r.customers} customers, €{r.total_cost:,.0f}; fixed: {r.fixed}")
    if review.export_dir is not None:
        exports.to_csv(items, review.export_dir / "recovery_backlog.csv")
    shown = common.table(backlog_table(items), "Failure modes as a backlog, most incidents first: customers, total "
                                               "cost (EUR), first and last seen, fixed, days to fix, churned, evidence",
                         absent=common.note("_No failure mode found in the recovery log._"))
    return common.Shown(shown, Markdown(stories(items)) if len(items) else None)


def cost_chart(review: Review) -> common.Shown:
    """What the (up to ten) largest failure modes cost, as bars; the chart appears at the end of the cell."""
    if review.backlog is not None:
        top = review.backlog.head(10)
        plots.bars([f"{m}. {label[:40]}" for m, label in zip(top["mode"], top["mode_label"], strict=True)],
                   top["total_cost"], xlabel="total cost of recoveries (EUR)", title="What the failure modes cost")
    return common.Shown()


def high_touch_tables(review: Review) -> dict[str, pd.DataFrame]:
    """The tables the high-touch rules read that the workspace has (the recoveries as the redacted log)."""
    return {k: review.log if k == "recoveries" else review.ws[k] for k in HIGH_TOUCH_TABLES if review.ws.has(k)}


def call_reasons(calls: pd.DataFrame) -> str:
    """How many customers to call, and how often each reason comes up (most frequent first).

    Examples
    --------
    >>> call_reasons(pd.DataFrame({"reasons": ["a + b", "b"]}))
    '2 customers: b 2; a 1'
    """
    counts = calls["reasons"].str.split(" + ", regex=False).explode().value_counts()
    return f"{len(calls)} customers: " + "; ".join(f"{k} {v}" for k, v in counts.items())


def who_to_call(review: Review) -> common.Shown:
    """Section 3: the high-touch list; publishes ``hightouch.count``; exports it."""
    if not review.ws.has("customers"):
        return common.Shown(Markdown("_The high-touch list needs the customers table._"))
    calls = hightouch.high_touch_list(review.ws["customers"], **high_touch_tables(review), as_of=review.as_of,
                                      window_days=review.window_days, first_n=review.first_n,
                                      silent_days=review.silent_days, redact=review.redact)
    findings.publish("hightouch.count", len(calls), label="Customers to call this week", text=call_reasons(calls))
    if review.export_dir is not None:
        exports.to_csv(calls, review.export_dir / "high_touch.csv")
    day = f" to {review.as_of}" if review.as_of else ""
    return common.Shown(common.table(
        calls, f"Customers to call this week (the last {review.window_days} days{day}), priority 1 first: the "
               "rules each meets and the evidence",
        absent=common.note("_No customer meets a high-touch rule this week: nobody to call._")))
