"""The case that opens a review: one real customer's story, picked by rule, shown redacted.

A review that starts with a number invites argument about the number; a review that starts
with one customer's experience makes the number mean something. :func:`pick_case` chooses
that customer by a stated rule, so it is not cherry-picked:

1. **Theme.** Complaints in the review window (the ``weeks`` ISO weeks ending with
   ``period``) are grouped by theme (the ``category`` column, or any theme column). The
   theme chosen is the fastest-growing one — weekly count in the window over the weekly
   count in the ``3 × weeks`` before it, with +0.5 smoothing on both sides — among themes
   with at least ``min_count`` complaints in the window; ``rule="largest"`` picks the
   largest instead.
2. **A full conversation.** Candidates are that theme's complaints in the window whose
   customer has a ticket opened within 14 days either side of the complaint with at least
   one customer and one agent message. Ranked by number of messages, then recency.
3. **Seeded choice** among the top ``pool`` candidates (``seed``), so the case can change
   from meeting to meeting while staying reproducible.

:func:`case_card` renders it: what happened, the message timeline with each agent reply's
waiting time, the outcome and cost of the recovery if any, and how many other customers
had the same problem this period. Every piece of customer or agent text is redacted
(``redact`` callable, by default :class:`carelib.text.redact.Redactor`) and HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError
from carelib.periods import week_bounds

__all__ = ["Case", "pick_case", "pick_case_lazy", "case_card", "CaseCard"]


@dataclass
class Case:
    """A picked case: the complaint, its theme and the conversation around it."""

    complaint: dict[str, Any]
    theme: str
    why: str
    same_problem: int
    baseline_weekly: float
    window: tuple[pd.Timestamp, pd.Timestamp]
    ticket: dict[str, Any] | None = None
    timeline: pd.DataFrame = field(default_factory=pd.DataFrame)
    recovery: dict[str, Any] | None = None


def pick_case(
    complaints: pd.DataFrame,
    tickets: pd.DataFrame,
    messages: pd.DataFrame,
    period: str,
    *,
    recoveries: pd.DataFrame | None = None,
    theme: str = "category",
    weeks: int = 4,
    rule: str = "growth",
    min_count: int = 5,
    pool: int = 5,
    seed: int | None = 0,
) -> Case:
    """Pick the complaint that opens the review (see the module notes for the rule).

    Parameters
    ----------
    complaints, tickets, messages : DataFrame
        Workspace tables (``complaints`` needs ``complaint_id, customer_id, received_at``
        and the ``theme`` column).
    period : str
        ISO week the review is about, e.g. ``"2026-W47"``; the window ends with it.
    recoveries : DataFrame, optional
        The recovery log; the customer's incident in the window gives outcome and cost.
    theme : str
        Column of ``complaints`` holding the theme.
    weeks : int
        Window length in weeks.
    rule : {"growth", "largest"}
        How the theme is chosen.
    min_count : int
        Least complaints in the window for a theme to be chosen by growth.
    pool : int
        Number of top-ranked candidates the seeded choice draws from.
    seed : int or None
        Seed of the choice.

    Returns
    -------
    Case
    """
    if rule not in ("growth", "largest"):
        raise ParameterError(f"rule must be 'growth' or 'largest', got {rule!r}")
    for col in ("complaint_id", "customer_id", "received_at", theme):
        if col not in complaints:
            raise DataError(f"complaints: missing column {col!r} needed to pick the case")
    end = week_bounds(period)[1]
    start = end - pd.Timedelta(weeks=weeks)
    base_start = start - pd.Timedelta(weeks=3 * weeks)
    c = complaints.assign(_at=pd.to_datetime(complaints["received_at"]))
    now = c[(c._at >= start) & (c._at < end)]
    if now.empty:
        raise DataError(f"no complaints between {start:%Y-%m-%d} and {end:%Y-%m-%d} (the {weeks} weeks to {period})")
    base = c[(c._at >= base_start) & (c._at < start)]
    chosen, row, why = _choose_theme(now.groupby(theme).size(), base.groupby(theme).size(), period, weeks, rule,
                                     min_count)
    cand = _candidates(now[now[theme] == chosen], tickets, messages)
    rng = np.random.default_rng(seed)
    pick = cand.iloc[int(rng.integers(min(pool, len(cand))))] if len(cand) else now[now[theme] == chosen].iloc[0]
    complaint = {k: v for k, v in pick.items() if not str(k).startswith("_")}
    ticket, timeline = None, pd.DataFrame()
    if len(cand):
        t = tickets[tickets["ticket_id"] == pick["_ticket"]].iloc[0]
        ticket = t.to_dict()
        timeline = _timeline(messages[messages["ticket_id"] == t["ticket_id"]])
    return Case(
        complaint=complaint, theme=str(chosen), why=why,
        same_problem=int(now.loc[now[theme] == chosen, "customer_id"].nunique()),
        baseline_weekly=float(row.base / (3 * weeks)), window=(start, end - pd.Timedelta(seconds=1)),
        ticket=ticket, timeline=timeline, recovery=_recovery(recoveries, complaint, base_start, end),
    )


def _choose_theme(now: pd.Series, base: pd.Series, period: str, weeks: int, rule: str,
                  min_count: int) -> tuple[Any, pd.Series, str]:
    """The theme of the case from complaints per theme in the window (``now``) and before (``base``), its row of
    counts, and why it was chosen (rule 1 of the module notes)."""
    stats = pd.DataFrame({"now": now, "base": base}).fillna(0)
    stats["growth"] = ((stats.now / weeks) + 0.5) / ((stats.base / (3 * weeks)) + 0.5)
    eligible = stats[stats.now >= min_count] if rule == "growth" else stats
    if eligible.empty:
        eligible, rule = stats, "largest"
    key = ["growth", "now"] if rule == "growth" else ["now", "growth"]
    chosen = eligible.sort_values(key, ascending=False, kind="stable").index[0]
    row = stats.loc[chosen]
    why = (
        f"“{chosen}” is the {'fastest-growing' if rule == 'growth' else 'largest'} complaint theme: "
        f"{int(row.now)} complaints in the {weeks} weeks to {period} "
        f"({row.now / weeks:.1f} a week, against {row.base / (3 * weeks):.1f} a week before)"
    )
    return chosen, row, why


def _candidates(themed: pd.DataFrame, tickets: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    roles = messages.groupby("ticket_id")["author_role"].agg(lambda r: {"customer", "agent"} <= set(r))
    size = messages.groupby("ticket_id").size()
    return _ranked(themed, tickets, roles[roles].index, size)


def _ranked(themed: pd.DataFrame, tickets: pd.DataFrame, conversations: Any, size: pd.Series) -> pd.DataFrame:
    """Rule 2: the theme's complaints with a ticket of a full conversation (ids ``conversations``, ``size``
    messages) opened within 14 days of them, most messages first, then the latest (ties by ticket id)."""
    t = tickets[tickets["ticket_id"].isin(conversations)][["ticket_id", "customer_id", "created_at"]]
    m = themed.merge(t.rename(columns={"ticket_id": "_ticket", "created_at": "_tat"}), on="customer_id", how="inner")
    m = m[(pd.to_datetime(m._tat) - m._at).abs() <= pd.Timedelta(days=14)]
    m = m.assign(_n=m["_ticket"].map(size))
    m = m.sort_values(["_n", "_at", "complaint_id", "_ticket"], ascending=[False, False, True, True], kind="stable")
    return m.drop_duplicates("complaint_id").reset_index(drop=True)


def pick_case_lazy(complaints: Any, tickets: Any, messages: Any, period: str, *, recoveries: Any = None,
                   theme: str = "category", weeks: int = 4, rule: str = "growth", min_count: int = 5, pool: int = 5,
                   seed: int | None = 0) -> Case:
    """:func:`pick_case` on tables that stay in their engine (narwhals lazy frames over DuckDB or Spark).

    The same rule, counted where the tables live: complaints per theme in the window and before are counted
    there; then only the chosen theme's complaints in the window come back, the tickets of their customers
    opened within 14 days of the window, each such ticket's message count and roles (counted there), and
    finally the picked ticket's messages and the customer's recoveries. Parameters and result as
    :func:`pick_case`; where no complaint has a full conversation, the earliest of the theme (by time, then
    id) is the case.

    Parameters
    ----------
    complaints, tickets, messages : narwhals LazyFrame or native lazy frame
        Workspace tables in one engine.
    period : str
        ISO week the review is about; the window ends with it.
    recoveries : lazy frame, optional
        The recovery log.
    theme, weeks, rule, min_count, pool, seed
        As :func:`pick_case`.

    Returns
    -------
    Case
    """
    import narwhals as nw

    from carelib.metrics.tally import collect, count_by

    if rule not in ("growth", "largest"):
        raise ParameterError(f"rule must be 'growth' or 'largest', got {rule!r}")
    c = nw.from_native(complaints)
    for col in ("complaint_id", "customer_id", "received_at", theme):
        if col not in c.collect_schema().names():
            raise DataError(f"complaints: missing column {col!r} needed to pick the case")
    end = week_bounds(period)[1]
    start = end - pd.Timedelta(weeks=weeks)
    base_start = start - pd.Timedelta(weeks=3 * weeks)
    at = nw.col("received_at")

    def between(e: Any, a: pd.Timestamp, b: pd.Timestamp) -> Any:
        return (e >= nw.lit(a.to_pydatetime())) & (e < nw.lit(b.to_pydatetime()))

    counts = count_by(c.filter(between(at, base_start, end)).with_columns(between(at, start, end).alias("_now")),
                      [theme, "_now"], "n")
    if int(counts.loc[counts["_now"].astype(bool), "n"].sum()) == 0:
        raise DataError(f"no complaints between {start:%Y-%m-%d} and {end:%Y-%m-%d} (the {weeks} weeks to {period})")
    counts = counts[counts[theme].notna()]

    def sizes(now: bool) -> pd.Series:
        part = counts[counts["_now"].astype(bool) == now]
        return part.set_index(theme)["n"].rename_axis(theme).sort_index()

    chosen, row, why = _choose_theme(sizes(True), sizes(False), period, weeks, rule, min_count)
    themed_lazy = c.filter(between(at, start, end) & (nw.col(theme) == chosen))
    themed = collect(themed_lazy)
    themed = themed.assign(_at=pd.to_datetime(themed["received_at"])).sort_values(["_at", "complaint_id"],
                                                                                   ignore_index=True)
    t = nw.from_native(tickets)
    near = t.join(themed_lazy.select("customer_id").unique(), on="customer_id", how="semi").filter(
        between(nw.col("created_at"), start - pd.Timedelta(days=14), end + pd.Timedelta(days=14)))
    m = nw.from_native(messages).join(near.select("ticket_id"), on="ticket_id", how="semi")
    one, zero = nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    per_ticket = collect(m.group_by("ticket_id").agg(
        nw.len().cast(nw.Int64).alias("n"),
        nw.when(nw.col("author_role") == "customer").then(one).otherwise(zero).sum().cast(nw.Int64).alias("customer"),
        nw.when(nw.col("author_role") == "agent").then(one).otherwise(zero).sum().cast(nw.Int64).alias("agent")))
    full = per_ticket.loc[(per_ticket["customer"] > 0) & (per_ticket["agent"] > 0), "ticket_id"]
    near_tickets = collect(near)
    cand = _ranked(themed, near_tickets, full, per_ticket.set_index("ticket_id")["n"])
    rng = np.random.default_rng(seed)
    pick = cand.iloc[int(rng.integers(min(pool, len(cand))))] if len(cand) else themed.iloc[0]
    complaint = {k: v for k, v in pick.items() if not str(k).startswith("_")}
    ticket, timeline = None, pd.DataFrame()
    if len(cand):
        ticket = near_tickets[near_tickets["ticket_id"] == pick["_ticket"]].iloc[0].to_dict()
        timeline = _timeline(collect(nw.from_native(messages).filter(nw.col("ticket_id") == pick["_ticket"])))
    recovery = None
    if recoveries is not None:
        mine = collect(nw.from_native(recoveries).filter(nw.col("customer_id") == complaint["customer_id"]))
        recovery = _recovery(mine, complaint, base_start, end)
    return Case(
        complaint=complaint, theme=str(chosen), why=why, same_problem=int(themed["customer_id"].nunique()),
        baseline_weekly=float(row.base / (3 * weeks)), window=(start, end - pd.Timedelta(seconds=1)),
        ticket=ticket, timeline=timeline, recovery=recovery,
    )


def _timeline(msgs: pd.DataFrame) -> pd.DataFrame:
    m = msgs.assign(sent_at=pd.to_datetime(msgs["sent_at"])).sort_values(["sent_at", "message_id"], ignore_index=True)
    wait = []
    last_customer = None
    for _, r in m.iterrows():
        if r["author_role"] == "customer":
            last_customer = last_customer if last_customer is not None else r["sent_at"]
            wait.append(pd.NaT)
        else:
            wait.append(r["sent_at"] - last_customer if last_customer is not None and r["author_role"] == "agent" else pd.NaT)
            if r["author_role"] == "agent":
                last_customer = None
    return m.assign(waited=wait)[["sent_at", "author_role", "text", "waited"]]


def _recovery(recoveries, complaint, start, end) -> dict[str, Any] | None:
    if recoveries is None or recoveries.empty:
        return None
    r = recoveries[(recoveries["customer_id"] == complaint["customer_id"])]
    at = pd.to_datetime(r["occurred_at"])
    r = r[(at >= start) & (at < end + pd.Timedelta(days=14))]
    return r.sort_values("occurred_at").iloc[0].to_dict() if len(r) else None


def _duration(td: Any) -> str:
    if td is None or pd.isna(td):
        return ""
    minutes = td.total_seconds() / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} days"


class CaseCard:
    """A rendered case: ``html`` (escaped, redacted markup) and ``text`` (plain summary)."""

    def __init__(self, html_: str, text: str, *, words: str = "", why: str = "", outcome: str = "") -> None:
        self.html, self.text = html_, text
        #: plain, redacted: the customer's own words, why this case was chosen, and how it ended
        self.words, self.why, self.outcome = words, why, outcome

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def case_card(case: Case, redact: Callable[[str], str] | None = None, max_messages: int = 8) -> CaseCard:
    """Render a case card: redacted, escaped, no customer identifiers beyond the pseudonymous id.

    Parameters
    ----------
    case : Case
        The case from :func:`pick_case`.
    redact : callable, optional
        Applied to every free text (complaint, messages, recovery fields) before escaping;
        default :meth:`carelib.text.redact.Redactor.redact` with no roster.
    max_messages : int
        Messages of the timeline shown; the rest are counted in a last row.

    Returns
    -------
    CaseCard
        ``html`` (the escaped, redacted card, shown by Jupyter) and ``text`` (a one-line plain
        summary: customer id, date, theme, customers with the same problem, messages).
    """
    if redact is None:
        from carelib.text.redact import Redactor

        redact = Redactor().redact

    def clean(x: Any) -> str:
        return html.escape(redact(str(x))) if x is not None and not (isinstance(x, float) and np.isnan(x)) else ""

    c = case.complaint
    received = pd.Timestamp(c["received_at"])
    rows = []
    for _, m in case.timeline.head(max_messages).iterrows():
        waited = _duration(m["waited"])
        rows.append(
            f'<tr class="{html.escape(str(m["author_role"]))}"><td>{m["sent_at"]:%a %d %b %H:%M}</td>'
            f"<td>{html.escape(str(m['author_role']))}{' · replied after ' + waited if waited else ''}</td>"
            f"<td>{clean(m['text'])}</td></tr>"
        )
    more = len(case.timeline) - max_messages
    if more > 0:
        rows.append(f'<tr><td colspan="3">… {more} more message(s)</td></tr>')
    def plain(x: Any) -> str:
        return redact(str(x)) if x is not None and not (isinstance(x, float) and np.isnan(x)) else ""

    outcome = "No recovery logged for this customer."
    said = outcome
    if case.recovery:
        r = case.recovery
        cost = f" · cost €{float(r['cost']):,.2f}" if pd.notna(r.get("cost")) else ""
        outcome = (f"Recovery: {clean(r.get('compensating_action'))}{cost} · outcome: {clean(r.get('outcome'))}"
                   f" · learning: “{clean(r.get('learning'))}”")
        said = f"Recovery: {plain(r.get('compensating_action'))}{cost}; outcome: {plain(r.get('outcome'))}"
    page = (
        '<section class="case-card" style="border-left:4px solid #b5523b;padding:0.5em 1em;background:#fbf6f3">'
        f"<h3>The case: customer {html.escape(str(c['customer_id']))}, {received:%d %B %Y}</h3>"
        f"<p><strong>In their words:</strong> “{clean(c.get('text'))}”</p>"
        f"<p><strong>Why this case:</strong> {html.escape(case.why)}. "
        f"{case.same_problem} customers had the same problem in this window.</p>"
        + (f'<table class="timeline"><thead><tr><th>when</th><th>who</th><th>message</th></tr></thead>'
           f"<tbody>{''.join(rows)}</tbody></table>" if rows else "<p>No conversation on record.</p>")
        + f"<p><strong>Outcome:</strong> {outcome}</p></section>"
    )
    text = (f"Case: customer {c['customer_id']} ({received:%Y-%m-%d}), theme {case.theme!r}; "
            f"{case.same_problem} customers with the same problem; {len(case.timeline)} messages")
    why = f"{case.why}. {case.same_problem} customers had the same problem in this window."
    return CaseCard(page, text, words=plain(c.get("text")), why=why, outcome=said)
