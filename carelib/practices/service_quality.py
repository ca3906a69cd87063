"""What the service quality notebook narrates: availability, tone, plans and flexibility, and whether they matter.

:func:`open_review` reads the workspace and the notebook's parameters once and returns a
:class:`Review`; each section of ``notebooks/service_quality.ipynb`` is one function taking that
review and returning :class:`~carelib.practices.common.Shown` (the findings are published inside,
charts drawn with :mod:`carelib.report.plots` appear at the end of the cell).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from carelib import metrics, periods
from carelib.analysis import segments, service
from carelib.data.tables import Workspace
from carelib.errors import ParameterError
from carelib.metrics import response_times as rt
from carelib.practices import common
from carelib.practices.common import Shown
from carelib.report import findings, plots

__all__ = ["Review", "SKILLS", "open_review", "select_window", "window_in_engine", "overview", "case", "availability",
           "availability_charts", "waves", "skills", "skill_shares", "examples", "example_list",
           "sentiment_shift", "sentiment_table", "csat", "csat_effect"]

#: The skills with a headline finding and a CSAT comparison, and their finding labels.
SKILLS = {"plan": "Conversations with a plan", "rigid": "Conversations with a rigid refusal",
          "empathy": "Conversations with empathy"}

EFFECT_COLUMNS = ["attribute", "n", "value", "ci_low", "ci_high", "rest_value", "difference", "diff_low",
                  "diff_high", "p_value", "flag"]


@dataclass
class Review:
    """One service review: the workspace, the resolved period and the conversations of its window.

    ``tickets`` carry a ``week`` column and the ``by`` column (``"all"`` when the tickets have none);
    ``messages`` are those of these tickets. The derived frames are computed once, on first use.
    """

    ws: Workspace
    period: str
    weeks: int
    by: str
    min_n: int
    tickets: pd.DataFrame
    messages: pd.DataFrame
    redact: Callable[[str], str]
    sla_minutes: float = 60.0
    handle_minutes: float = 12.0
    business_hours: tuple[int, ...] | None = None
    phrases: str | None = None
    seed: int = 0

    @cached_property
    def times(self) -> pd.DataFrame:
        """First-response time of every ticket (:func:`carelib.metrics.response_times.ticket_times`)."""
        return rt.ticket_times(self.tickets, self.messages, business_hours=self.business_hours)

    @cached_property
    def conversations(self) -> pd.DataFrame:
        """Skills of every conversation (:func:`carelib.analysis.service.conversation_skills`), from :attr:`scored`
        (each agent message is scored once for the scorecard and the examples)."""
        return service.skills_per_ticket(self.tickets, self.scored)

    @cached_property
    def scored(self) -> pd.DataFrame:
        """Every agent message with its markers and tone, and the ``by`` column of its ticket."""
        agent = self.messages[self.messages["author_role"] == "agent"]
        agent = agent.merge(self.tickets[["ticket_id", self.by]], on="ticket_id")
        return service.score_messages(agent, phrases=self.phrases)


def select_window(tickets: pd.DataFrame, messages: pd.DataFrame, period: str, weeks: int,
                  by: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The tickets of the ``weeks`` weeks to ``period``, their messages, and the period resolved.

    Parameters
    ----------
    tickets, messages : DataFrame
        Workspace tables (``tickets.created_at``, ``messages.ticket_id``); left untouched.
    period : str
        Last ISO week, or ``"latest"`` for the latest week a ticket was opened in.
    weeks : int
        Weeks up to ``period``; 0 keeps every ticket.
    by : str
        The column the review compares; when the tickets have none (or only missing values)
        it is added with the single group ``"all"``.

    Returns
    -------
    (DataFrame, DataFrame, str)
        Tickets (with ``week`` and ``by``), their messages, and the period.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["a", "b"], "created_at": ["2026-01-01", "2026-01-12"]})
    >>> m = pd.DataFrame({"ticket_id": ["a", "b", "b"]})
    >>> t2, m2, p = select_window(t, m, "latest", 1, "team")
    >>> p, t2["ticket_id"].tolist(), len(m2), t2["team"].tolist()
    ('2026-W03', ['b'], 2, ['all'])
    """
    _check_weeks(weeks)
    tickets = tickets.assign(week=periods.week_of(tickets, "created_at"))
    period = common.resolve_period(period, [tickets["week"]])
    if weeks:
        tickets = tickets[tickets["week"].isin(periods.last_weeks(period, weeks))]
    messages = messages[messages["ticket_id"].isin(tickets["ticket_id"])]
    return _with_by(tickets, by), messages, period


def _check_weeks(weeks: int) -> None:
    if weeks < 0:
        raise ParameterError(f"weeks: expected 0 (every ticket) or more, found {weeks}")


def _with_by(tickets: pd.DataFrame, by: str) -> pd.DataFrame:
    """The tickets with the compared column: ``"all"`` when they have none (or only missing values)."""
    if by not in tickets.columns or tickets[by].isna().all():
        tickets = tickets.assign(**{by: "all"})
    return tickets


def window_in_engine(ws: Workspace, period: str, weeks: int, by: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """:func:`select_window` on a workspace on an engine: the weeks counted, the window's tickets and their messages
    filtered there (:meth:`~carelib.data.tables.Workspace.in_weeks`,
    :meth:`~carelib.data.tables.Workspace.linked_to_weeks`), so only the window comes back as pandas.

    The same tickets, messages and period as :func:`select_window` on the whole tables, in the same order; with
    ``weeks=0`` (every ticket) the whole tables are read.

    Parameters
    ----------
    ws : Workspace
        A workspace on DuckDB or Spark with ``tickets`` and ``messages``.
    period, weeks, by : str, int, str
        As in :func:`select_window`.

    Returns
    -------
    (DataFrame, DataFrame, str)
        Tickets (with ``week`` and ``by``), their messages, and the period.
    """
    _check_weeks(weeks)
    if not weeks:
        return select_window(ws["tickets"], ws["messages"], period, weeks, by)
    period = common.resolve_period(period, common.weeks_of_tables(ws, ["tickets"]))
    window = periods.last_weeks(period, weeks)
    tickets = ws.in_weeks("tickets", "created_at", window)
    messages = ws.linked_to_weeks("messages", "ticket_id", "tickets", "created_at", window)
    return _with_by(tickets, by), messages, period


def open_review(data_dir: str, *, period: str = "2026-W47", weeks: int = 12, by: str = "team", min_n: int = 30,
                sla_minutes: float = 60.0, handle_minutes: float = 12.0, business_hours: Iterable[int] = (),
                phrases: str = "", seed: int = 0, today: periods.TodayLike = None, engine: str = "auto",
                tally_store: bool = True) -> Review:
    """Open the review the notebook's parameters describe (same names and meanings as its ``parameters`` cell).

    Parameters
    ----------
    data_dir : str
        Workspace folder with ``tickets`` and ``messages`` (rows breaking a contract are set aside).
    period, weeks, by : str, int, str
        The window and the compared column (see :func:`select_window`).
    min_n : int
        Groups with fewer conversations are labelled "n too small", never ranked.
    sla_minutes, handle_minutes : float
        First-response target; agent minutes per ticket for the staffing estimate.
    business_hours : iterable of int
        Open and close hours to count waiting in business hours; empty: calendar time.
    phrases : str
        A YAML phrase file replacing the packaged one; empty: the packaged one.
    seed : int
        Seed of the case pick and of the examples.
    today : str, date or Timestamp, optional
        The run's today (default ``$CARELIB_TODAY``, else the clock).
    engine : {"auto", "duckdb", "pandas", "spark"}
        Where tables are read (:func:`carelib.data.tables.load_workspace`): on DuckDB or Spark the window's
        tickets, their messages and the CSAT answers linked to them are filtered in the engine and only they come
        back (:func:`window_in_engine`); the skills are then scored in pandas. The findings are the same.
    tally_store : bool
        On an engine, keep the weekly counts of week-partitioned tables (validation, tickets per week) in
        ``WORKSPACE/.carelib/tallies/`` (:class:`carelib.analysis.tallies.TallyStore`).

    Returns
    -------
    Review
    """
    ws = common.open_engine_workspace(data_dir, today=today, engine=engine, tally_store=tally_store)
    if ws.engine == "pandas":
        tickets, messages, period = select_window(ws["tickets"], ws["messages"], period, weeks, by)
    else:
        tickets, messages, period = window_in_engine(ws, period, weeks, by)
    hours = tuple(business_hours)
    return Review(ws=ws, period=period, weeks=weeks, by=by, min_n=min_n, tickets=tickets, messages=messages,
                  redact=common.redactor(ws).redact, sla_minutes=sla_minutes,
                  handle_minutes=handle_minutes, business_hours=hours or None, phrases=phrases or None, seed=seed)


def _window(review: Review) -> str:
    """The weeks of the conversations, as a caption says them."""
    if not review.weeks:
        return "every week in the data"
    first = periods.last_weeks(review.period, review.weeks)[0]
    return review.period if first == review.period else f"{first} to {review.period}"


def overview(review: Review) -> Shown:
    """One sentence: how many conversations and messages, which weeks, compared by what."""
    weeks = review.tickets["week"]
    return Shown(common.note("**{n} conversations** ({span}), {m} messages, compared by {by}.",
                             n=f"{len(review.tickets):,}", span=f"{weeks.min()} to {weeks.max()}",
                             m=f"{len(review.messages):,}", by=review.by)) + common.load_report(review.ws)


def case(review: Review) -> Shown:
    """The case the review opens with (:func:`carelib.practices.common.the_case`, four weeks at most).

    Without a complaints table (or with ``weeks=0``) the section says so; when no case can be
    picked in the window it says why and the notebook goes on.
    """
    if not (review.ws.has("complaints") and review.weeks):
        return Shown(common.note("_No complaints table: the case needs one._"))
    try:
        return common.the_case(review.ws, review.period, weeks=min(review.weeks, 4), seed=review.seed,
                               redact=review.redact)
    except Exception as exc:  # no complaint in the window: say so, go on
        return Shown(common.note("_No case this period: {why}_", why=exc))


def availability(review: Review) -> Shown:
    """First and next responses (median, p90, intervals) and the share answered within the SLA, by group.

    Publishes ``availability.first_response`` (the overall median first response, with its interval).
    """
    times, by, min_n = review.times, review.by, review.min_n
    first = rt.quantiles(times, "first_response_min", "responded", by=by, min_n=min_n)
    waits = rt.next_responses(review.messages).merge(review.tickets[["ticket_id", by]], on="ticket_id")
    later = rt.quantiles(waits[waits["wait"] > 1], "minutes", "answered", by=by, min_n=min_n)
    sla = rt.sla(times, "first_response_min", review.sla_minutes, "responded", by=by, min_n=min_n)
    overall = rt.quantiles(times, "first_response_min", "responded").iloc[0]
    findings.publish("availability.first_response", float(overall["p50"]), label="First response, median (minutes)",
                     ci=(float(overall["p50_low"]), float(overall["p50_high"])),
                     text=f"{overall['p50']:.0f} min (p90 {overall['p90']:.0f} min; n = {int(overall['n']):,})")
    when = _window(review)
    none = common.note("_No conversations opened in {w}._", w=when)
    return Shown(
        common.table(first, f"First response (minutes) by {by}, conversations opened in {when}: median and 90th "
                            "percentile (95% interval)", absent=none),
        common.table(later, f"Next responses (minutes) by {by}: each later wait of a customer for an agent's reply, "
                            f"conversations opened in {when} (95% interval)",
                     absent=common.note("_No customer waited for a next reply in {w}._", w=when)),
        common.table(sla, f"Conversations answered within {review.sla_minutes:g} minutes, by {by}, opened in {when} "
                          "(95% interval)", absent=none))


def availability_charts(review: Review) -> Shown:
    """Draw the share answered by minutes waited (groups of ``min_n`` or more) and the load and waiting by hour."""
    times = review.times
    curves = {str(k): rt.kaplan_meier(rt.tally_durations(g, "first_response_min", "responded"))
              for k, g in times.groupby(review.by) if len(g) >= review.min_n}
    if curves:
        plots.survival(curves, title="Share of conversations answered, by minutes waited")
    plots.hour_of_week(rt.hour_of_week(times, "created_at"), label="per week",
                       title="Load: conversations opened per hour")
    plots.hour_of_week(rt.hour_of_week(times, "created_at", "first_response_min"), label="minutes",
                       title="Median first response by hour opened")
    return Shown()


def waves(review: Review, top: int = 10) -> Shown:
    """The hours of the week with the largest staffing gap (:func:`carelib.metrics.response_times.staffing`).

    Publishes ``availability.wave`` (a signal) when the worst hour needs more agents than it has.
    """
    sla, handle = review.sla_minutes, review.handle_minutes
    staff = rt.staffing(review.times, sla_minutes=sla, handle_minutes=handle)
    if staff.empty:
        return Shown(common.note("_No conversation with an opening time in {w}: no hours of the week to staff._",
                                 w=_window(review)))
    worst = staff.iloc[0]
    if worst["gap_agents"] > 0:
        findings.publish("availability.wave", float(worst["gap_agents"]), kind="signal", label="The worst wave",
                         text=f"{worst['weekday']} {int(worst['hour']):02d}:00: {worst['per_week']:.1f} conversations "
                              f"a week, {worst['sla_share']:.0%} answered within {sla:g} min; about "
                              f"{worst['gap_agents']:.1f} more agents needed at {handle:g} min a conversation")
    shown = staff.head(top)
    hours = f"The {len(shown)} hours" if len(shown) == len(staff) else f"The {len(shown)} of {len(staff)} hours"
    return Shown(common.table(shown, f"{hours} of the week with the largest staffing gap, {_window(review)}: "
                                     f"conversations a week, median first response, share answered within {sla:g} "
                                     f"minutes (95% interval), agents needed at {handle:g} minutes a conversation"))


def skill_shares(conversations: pd.DataFrame, skills: Iterable[str] = tuple(SKILLS)) -> pd.DataFrame:
    """Share of the conversations with an agent reply that show each skill, with a Wilson interval.

    Parameters
    ----------
    conversations : DataFrame
        One row per conversation: ``agent_messages`` and a flag column per skill (missing = no).
    skills : iterable of str
        The flag columns.

    Returns
    -------
    DataFrame
        ``skill, k, n, share, low, high``; ``share`` and the interval are NaN when ``n`` is 0.

    Examples
    --------
    >>> c = pd.DataFrame({"agent_messages": [1, 2, 0, 1], "plan": [True, False, None, True]})
    >>> skill_shares(c, ["plan"])[["skill", "k", "n", "share"]].to_dict("records")
    [{'skill': 'plan', 'k': 2, 'n': 3, 'share': 0.6666666666666666}]
    """
    n = int((conversations["agent_messages"] > 0).sum())
    rows = []
    for skill in skills:
        k = int(conversations[skill].fillna(False).astype(bool).sum())
        lo, hi = metrics.wilson(k, n) if n else ([float("nan")], [float("nan")])
        rows.append({"skill": skill, "k": k, "n": n, "share": k / n if n else float("nan"),
                     "low": float(lo[0]), "high": float(hi[0])})
    return pd.DataFrame(rows, columns=["skill", "k", "n", "share", "low", "high"])


def skills(review: Review) -> Shown:
    """The skills scorecard by group; publishes ``skills.plan``, ``skills.rigid`` and ``skills.empathy``."""
    conv = review.conversations
    card = service.skills_scorecard(conv, by=review.by, min_n=review.min_n)
    for r in skill_shares(conv).itertuples():
        if r.n:
            findings.publish(f"skills.{r.skill}", r.k / r.n, label=SKILLS[r.skill], ci=(r.low, r.high),
                             text=f"{r.k / r.n:.0%} ({r.low:.0%} to {r.high:.0%}; n = {r.n:,})")
    return Shown(common.table(card, f"Skills by {review.by}, conversations opened in {_window(review)}: share with a "
                                    "plan, a rigid refusal, an exception and empathy (95% interval), and mean tone",
                              absent=common.note("_No conversations with an agent's reply in {w}._",
                                                 w=_window(review))))


def example_list(scored: pd.DataFrame, mask: pd.Series, title: str, *, by: str, seed: int = 0, k: int = 3,
                 redact: Callable[[str], str] = str) -> str:
    """An HTML heading and list of up to ``k`` distinct messages picked at random among ``scored[mask]``.

    Parameters
    ----------
    scored : DataFrame
        Messages with ``text`` and the ``by`` column.
    mask : Series of bool
        Which messages qualify.
    title : str
        Heading of the list.
    by : str
        Column named after each message (its team, agent ...).
    seed : int
        Seed of the pick.
    k : int
        Most messages shown.
    redact : callable
        Applied to each text before it is escaped.

    Returns
    -------
    str
        ``<h4>title</h4><ul>…</ul>`` (``<li>none</li>`` when nothing qualifies); every text escaped.

    Examples
    --------
    >>> s = pd.DataFrame({"text": ["a <b>", "a <b>"], "team": ["A", "A"]})
    >>> example_list(s, s["text"] != "", "Plans", by="team")
    '<h4>Plans</h4><ul><li>“a &lt;b&gt;” <small>— A</small></li></ul>'
    """
    pick = scored[mask].drop_duplicates("text")
    pick = pick.sample(min(k, len(pick)), random_state=seed) if len(pick) else pick
    items = "".join(f"<li>“{html.escape(redact(t))}” <small>— {html.escape(str(b))}</small></li>"
                    for t, b in zip(pick["text"], pick[by], strict=True))
    return f"<h4>{html.escape(title)}</h4><ul>{items or '<li>none</li>'}</ul>"


def examples(review: Review, k: int = 3) -> Shown:
    """Redacted examples of plans, rigid refusals, exceptions, and the warmest and coldest tone (top/bottom 5 %)."""
    from IPython.display import HTML

    s = review.scored
    lists = [(s["plan"], "A plan stated (commitment and time)"), (s["rigid"], "A rigid refusal"),
             (s["exception"], "An exception offered"),
             (s["tone"] >= s["tone"].quantile(0.95), "Warmest tone (top 5 %)"),
             (s["tone"] <= s["tone"].quantile(0.05), "Coldest tone (bottom 5 %)")]
    return Shown(HTML("".join(example_list(s, mask, title, by=review.by, seed=review.seed, k=k, redact=review.redact)
                              for mask, title in lists)))


def sentiment_table(shift: pd.DataFrame, by: str, *, threshold: float = 0.05) -> pd.DataFrame:
    """Per group: conversations, mean first and last customer sentiment, shares improved and worsened.

    Parameters
    ----------
    shift : DataFrame
        One row per conversation: ``first``, ``last``, ``shift`` and the ``by`` column
        (:func:`carelib.analysis.service.customer_sentiment_shift` joined to the tickets).
    by : str
        The group column (the index of the result).
    threshold : float
        A shift above ``threshold`` is an improvement, below ``-threshold`` a worsening.

    Returns
    -------
    DataFrame
        Indexed by ``by``: ``conversations, first, last, improved, worsened``.

    Examples
    --------
    >>> s = pd.DataFrame({"team": ["A", "A"], "first": [0.0, 0.2], "last": [0.5, 0.1], "shift": [0.5, -0.1]})
    >>> sentiment_table(s, "team").to_dict("records")
    [{'conversations': 2, 'first': 0.1, 'last': 0.3, 'improved': 0.5, 'worsened': 0.5}]
    """
    return shift.groupby(by).agg(conversations=("shift", "size"), first=("first", "mean"), last=("last", "mean"),
                                 improved=("shift", lambda s: (s > threshold).mean()),
                                 worsened=("shift", lambda s: (s < -threshold).mean()))


def sentiment_shift(review: Review) -> Shown:
    """How the customer's sentiment moves from their first to their last message, by group."""
    shift = service.customer_sentiment_shift(review.messages)
    shift = shift.merge(review.tickets[["ticket_id", review.by]], on="ticket_id")
    return Shown(common.table(sentiment_table(shift, review.by),
                              f"Customer sentiment from their first to their last message, by {review.by}, "
                              f"{_window(review)}: mean first and last, share improved and worsened (by more than "
                              "0.05)",
                              absent=common.note("_No conversation in {w} with a first and a last customer message._",
                                                 w=_window(review))))


def csat_effect(conversations: pd.DataFrame, responses: pd.DataFrame, *, min_n: int = 30,
                skills: Iterable[str] = tuple(SKILLS)) -> pd.DataFrame:
    """CSAT top-2-box (score ≥ 4) of conversations with each skill against those without.

    Parameters
    ----------
    conversations : DataFrame
        ``ticket_id`` and a flag column per skill (missing = without).
    responses : DataFrame
        Survey answers: ``survey``, ``ticket_id``, ``score``; only CSAT answers linked to a ticket count.
    min_n : int
        Smallest group the two-proportion test flags (:func:`carelib.analysis.segments.scan`).
    skills : iterable of str
        The flag columns compared.

    Returns
    -------
    DataFrame
        One row per skill: ``attribute, n, value, ci_low, ci_high, rest_value, difference, diff_low,
        diff_high, p_value, flag`` (``value`` with the skill, ``rest_value`` without); empty when no
        CSAT answer is linked to a conversation.
    """
    if "ticket_id" not in responses.columns:  # answers not linked to tickets at all
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    answers = responses[(responses["survey"] == "csat") & responses["ticket_id"].notna() & responses["score"].notna()]
    flags = conversations[["ticket_id", *skills]].rename(columns=lambda c: c if c == "ticket_id" else f"skill_{c}")
    joined = answers[["ticket_id", "score"]].merge(flags, on="ticket_id", how="inner")
    if joined.empty:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    joined = joined.assign(satisfied=joined["score"] >= 4)
    rows = []
    for skill in skills:
        col = f"skill_{skill}"
        d = joined.assign(**{col: joined[col].fillna(False).astype(bool).map({True: "with", False: "without"})})
        s = segments.scan(d, col, metric="proportion", score="satisfied", min_n=min_n)
        rows.append(s[s["segment"] == "with"].assign(attribute=skill))
    return pd.concat(rows, ignore_index=True)[EFFECT_COLUMNS]


def _linked_answers(review: Review) -> pd.DataFrame:
    """The survey answers :func:`csat_effect` reads: on an engine only the CSAT answers linked to the window's
    tickets come back (a semi-join there); on pandas, or for every ticket (``weeks=0``), all answers."""
    ws = review.ws
    if ws.engine == "pandas" or not review.weeks:
        return ws["responses"]
    if "ticket_id" not in ws.lazy("responses").collect_schema().names():
        return pd.DataFrame(columns=["survey", "score"])
    import narwhals as nw

    return ws.linked_to_weeks("responses", "ticket_id", "tickets", "created_at",
                              periods.last_weeks(review.period, review.weeks), where=nw.col("survey") == "csat",
                              columns=["survey", "ticket_id", "score"])


def csat(review: Review) -> Shown:
    """CSAT with and without a plan, a rigid refusal, empathy; publishes ``skills.csat.<skill>`` when flagged."""
    if not review.ws.has("responses"):
        return Shown(common.note("_No CSAT answers linked to conversations in this workspace._"))
    effect = csat_effect(review.conversations, _linked_answers(review), min_n=review.min_n)
    if effect.empty:
        return Shown(common.note("_No CSAT answers linked to conversations in this workspace._"))
    for r in effect.itertuples():
        if r.flag in ("above the rest", "below the rest"):  # "n too small" is no finding
            findings.publish(f"skills.csat.{r.attribute}", float(r.difference), kind="driver",
                             label=f"CSAT with vs without {r.attribute}",
                             text=f"{r.value:.0%} vs {r.rest_value:.0%} satisfied ({r.difference * 100:+.0f} points, "
                                  + ("p < 0.001)" if r.p_value < 0.001 else f"p = {r.p_value:.3f})"))
    return Shown(common.table(effect, f"CSAT top-2-box (score 4 or 5) of conversations with each skill against those "
                                      f"without, {_window(review)} (95% interval)"))
