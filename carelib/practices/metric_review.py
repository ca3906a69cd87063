"""The weekly metric review (``notebooks/metric_review.ipynb``): each section of the notebook is one function here.

:func:`open_review` opens the workspace and resolves the weeks under review into a :class:`Review`;
every section function takes that review, publishes its findings and returns what the notebook shows
(:class:`carelib.practices.common.Shown`; charts drawn by :mod:`carelib.report.plots` appear after it).
A section whose tables are absent says so in a sentence.

Tables load lazily, in the order the sections ask for them, so the load report of section 2 lists
the tables the sections before it read.

On an engine workspace (``engine="duckdb"`` or ``"spark"``, :mod:`carelib.data.engines`) the headline's
tallies — survey boxes by week (NPS, eNPS, CSAT, CES, PMF), the weekly NPS, complaints and orders by
week, first-response and resolution histograms (censored tickets kept), the segment scan's boxes — are
counted in the engine from lazy tables with the ISO week computed there; sections not yet pushed down
read the table through its pandas path (:meth:`~carelib.data.tables.Workspace.frame`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from IPython.display import Markdown

from carelib import metrics, periods
from carelib.analysis import drivers, review, segments
from carelib.analysis.first_replies import first_replies
from carelib.data.engines import with_known_weeks_lazy, with_week_lazy
from carelib.data.tables import Workspace
from carelib.errors import DataError, ParameterError
from carelib.exports import readable
from carelib.metrics import response_times as rt
from carelib.metrics import spc
from carelib.metrics.definitions import definitions_table
from carelib.metrics.rates import rate_from_counts
from carelib.metrics.survey import box_from_tally
from carelib.metrics.tally import collect, sum_flags
from carelib.practices import common
from carelib.qual.codebook import load_codebook
from carelib.qual.coding import keyword_inputs, keyword_stages
from carelib.report import findings, plots
from carelib.scales import BOXES
from carelib.text.themes import ThemeModel

__all__ = ["Review", "open_review", "overview", "the_case", "headline", "publish_headline", "exclusions",
           "nps_trend", "nps_chart", "nps_by_segment", "nps_blocks", "enps", "csat", "ces_pmf", "public_reviews",
           "category_rates", "category_counts", "complaint_counts", "complaint_rates", "response_times", "hour_of_week",
           "hour_of_week_maps", "segment_scan",
           "segments_below", "detractor_factors", "detractor_drivers", "kaizen_actions", "definitions", "load_report"]

#: Columns of the actions table the kaizen section lists.
ACTION_COLUMNS = ["action_id", "owner", "metric", "segment", "description", "status", "due", "closed_at"]
#: Columns of the product ranking of the public-reviews section.
RANKING_COLUMNS = ["n", "mean", "ci_low", "ci_high", "bayes_avg", "stars_1", "stars_2", "stars_5"]
#: Comments needed before themes are found in them when the workspace has no codebook.
MIN_COMMENTS_FOR_THEMES = 50


@dataclass
class Review:
    """One metric review: the workspace, the weeks under review and the parameters of the notebook.

    The frames the sections share (answers with their ISO week, complaints, orders, response
    times, the headline) are computed on first use and kept.
    """

    ws: Workspace
    period: str
    current: list[str]
    previous: list[str]
    trend: list[str]
    weeks_of: dict[str, pd.Series]
    window: int = 4
    segment: str = "region"
    segments_by: list[str] = field(default_factory=lambda: ["region", "plan", "channel"])
    confidence: float = 0.95
    method: str = "adjusted-wald"
    min_n: int = 30
    rules: str = "western-electric"
    sla_minutes: float = 60.0
    seed: int = 0

    grain: str = "week"
    #: rows per week of each dated table, counted in the engine (``week, rows``); None on pandas (``weeks_of`` per row)
    week_rows: dict[str, pd.DataFrame] | None = None

    def dated(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """A copy of ``frame`` with its period in ``week``: the ISO week, or the wave when the review runs by waves."""
        if self.grain == "week":
            return review.with_week(frame, column)
        if self.grain == "undated":
            return frame.assign(week=UNDATED)
        return frame.assign(week=periods.wave_of(frame, column))

    @property
    def on_engine(self) -> bool:
        """True when tallies run in DuckDB or Spark (weeks computed in the engine)."""
        return self.ws.engine != "pandas" and self.grain == "week"

    def lazy(self, kind: str, column: str) -> Any:
        """Table ``kind`` with its ``week``: lazy in the engine on an engine workspace, else the pandas frame."""
        if self.on_engine:
            return with_week_lazy(self.ws.lazy(kind), column)
        if kind == "responses":
            return self.answers
        return self.complaints if kind == "complaints" else self.dated(self.ws[kind], column)

    @cached_property
    def surveys(self) -> list[str]:
        """The survey kinds the answers hold (distinct values counted where the answers live)."""
        if "responses" not in self.have:
            return []
        if self.on_engine:  # counted by week (kept in the tally store when there is one)
            def compute(kept: Any) -> pd.DataFrame:
                dated = with_week_lazy(kept, "submitted_at", dated=True)  # as survey_weeks
                return metrics.count_by(dated, ["week", "survey"], "rows")

            kinds = self.ws.tally("responses", "surveys", ("survey",), compute)["survey"]
        else:
            kinds = self.answers["survey"]
        return sorted(str(k) for k in kinds.dropna().unique())

    @cached_property
    def have(self) -> frozenset[str]:
        """The tables present in the workspace."""
        return frozenset(self.ws.available())

    @cached_property
    def answers(self) -> pd.DataFrame | None:
        """Survey answers with their ``week``, or None without a responses table."""
        return self.dated(self.ws["responses"], "submitted_at") if "responses" in self.have else None

    @cached_property
    def reviews(self) -> pd.DataFrame | None:
        """Public reviews, with a ``week`` when any is dated; None without a reviews table."""
        if "reviews" not in self.have:
            return None
        reviews = self.ws["reviews"]
        return self.dated(reviews, "created_at") if reviews["created_at"].notna().any() else reviews

    @cached_property
    def complaints(self) -> pd.DataFrame | None:
        """Complaints with their ``week`` (blank when undated), or None without a complaints table."""
        return self.dated(self.ws["complaints"], "received_at") if "complaints" in self.have else None

    @cached_property
    def complaints_orders(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Complaints and orders with their ``week``, or None unless both tables are present."""
        if not {"complaints", "orders"} <= self.have:
            return None
        complaints = self.dated(self.ws["complaints"], "received_at")
        return complaints, self.dated(self.ws["orders"], "ordered_at")

    @cached_property
    def times(self) -> pd.DataFrame | None:
        """Per ticket first response and resolution times with a ``week``; None without tickets and messages."""
        if not {"tickets", "messages"} <= self.have:
            return None
        return self.dated(rt.ticket_times(self.ws["tickets"], self.ws["messages"]), "created_at")

    @cached_property
    def ticket_times(self) -> Any:
        """:attr:`times`, computed in the engine on an engine workspace (a lazy frame), else the pandas frame."""
        if not {"tickets", "messages"} <= self.have:
            return None
        if not self.on_engine:
            return self.times
        tickets, messages = self.ws.lazy("tickets"), self.ws.lazy("messages")
        as_of = self._data_end  # waiting tickets are censored at the end of all the data
        # only the tickets of the weeks shown and the messages sent since the first of them (a reply sent before
        # its ticket was opened never counts): an engine skips the older files and row groups by their statistics
        start = periods.week_bounds(self.shown_weeks[0])[0].to_pydatetime()
        end = periods.week_bounds(self.shown_weeks[-1])[1].to_pydatetime()
        tickets = tickets.filter((nw.col("created_at") >= start) & (nw.col("created_at") < end))
        messages = messages.filter(nw.col("sent_at") >= start)
        if self._first_replies is not None:
            return self.ticket_times_in(self.shown_weeks)
        return with_week_lazy(rt.ticket_times_lazy(tickets, messages, as_of=as_of), "created_at")

    @cached_property
    def _first_replies(self) -> Callable[[list[str] | None], Any] | None:
        """The reader of the first-reply cache (:func:`carelib.analysis.first_replies.first_replies`), or None."""
        cached = first_replies(self.ws)  # each ticket's first reply, kept per ticket week in the tally store
        if cached is None:
            return None
        self.ws.note_tally("tickets", "first_reply", cached[1])
        self._reply_weeks = cached[1]
        return cached[0]

    def response_tally(self, weeks: list[str]) -> pd.DataFrame:
        """The first-response histogram (1-minute bins, waiting tickets censored at the data's end) of the tickets
        opened in ``weeks``, by ``week``: :func:`carelib.metrics.response_times.tally_durations` of
        :meth:`ticket_times_in`. With the first-reply cache it is kept per ticket week in the tally store, keyed by
        what that week's first replies depend on and, while some of its tickets wait, the data's end: a re-review
        reads the histograms of unchanged weeks instead of their tickets."""
        def compute(wanted: list[str]) -> pd.DataFrame:
            return rt.tally_durations(self.ticket_times_in(wanted), "first_response_min", "responded", by="week")

        return self._per_ticket_week("first_response_minutes", ("time",), compute, weeks)

    def ticket_times_in(self, weeks: list[str]) -> Any:
        """:attr:`ticket_times` of the tickets opened in ``weeks``: on an engine with the first-reply cache, a lazy
        frame that reads only those weeks' files of the cache; else :attr:`ticket_times` filtered."""
        if self.on_engine and {"tickets", "messages"} <= self.have and self._first_replies is not None:
            tickets = self._first_replies(list(weeks))
            return with_week_lazy(rt.ticket_times_lazy(tickets, None, as_of=self._data_end, replies="in tickets"),
                                  "created_at")
        return review.in_weeks(self.ticket_times, weeks)

    def hour_tally(self, weeks: list[str]) -> pd.DataFrame:
        """Tickets opened in ``weeks`` by ``week``, ``weekday`` (0 = Monday), ``hour`` and ``time`` (the first response
        in minutes rounded up; a waiting ticket's wait so far): ``rows``. Kept per ticket week in the tally store
        under the keys of :meth:`response_tally` (what the week's first replies depend on, and the data's end while
        a ticket waits)."""
        def compute(wanted: list[str]) -> pd.DataFrame:
            f = nw.from_native(self.ticket_times_in(wanted)).filter(~nw.col("created_at").is_null())
            t = nw.col("created_at")
            cells = f.select("week", ((t.dt.weekday() + 6) % 7).cast(nw.Int64).alias("weekday"),
                             t.dt.hour().cast(nw.Int64).alias("hour"),
                             nw.col("first_response_min").cast(nw.Float64).ceil().alias("time"))
            got = collect(cells.group_by("week", "weekday", "hour", "time").agg(nw.len().alias("rows")))
            return got.astype({"rows": "int64"})

        return self._per_ticket_week("first_response_by_hour", ("weekday", "hour", "time"), compute, weeks)

    def _per_ticket_week(self, metric: str, grouping: tuple[str, ...], compute: Callable[[list[str]], pd.DataFrame],
                         weeks: list[str]) -> pd.DataFrame:
        """``compute(weeks)``; with the first-reply cache, the tally of every ticket week kept in the tally store
        under that week's first-reply digest and, while a ticket of it waits, the data's end: the rows of ``weeks``."""
        if not (self.on_engine and {"tickets", "messages"} <= self.have and self._first_replies is not None):
            return compute(weeks)
        info, end = self._reply_weeks, str(self._data_end)
        keys = {w: k + (f"|{end}" if info["waiting"].get(w) else "") for w, k in info["keys"].items()}
        t = self.ws.tally_keyed("tickets", metric, grouping, keys, compute,
                                {"duration": "first_response_min", "resolution": 1.0, "layout": 1})
        return t[t["week"].isin(list(weeks))].reset_index(drop=True)

    @cached_property
    def _data_end(self) -> pd.Timestamp:
        """:func:`carelib.metrics.response_times.data_end`, from the latest dates of each week (tally store)."""
        def ends(date: str, more: tuple[str, ...] = ()) -> Any:
            def compute(kept: Any) -> pd.DataFrame:
                dated = with_week_lazy(kept, date, dated=True)
                return collect(dated.group_by("week").agg(*[nw.col(c).max() for c in (date, *more)]))
            return compute

        closed = ("closed_at",) if "closed_at" in nw.from_native(self.ws.lazy("tickets")).collect_schema().names() else ()
        t = self.ws.tally("tickets", "latest", (), ends("created_at", closed), {"columns": ["created_at", *closed]})
        m = self.ws.tally("messages", "latest", (), ends("sent_at"), {"columns": ["sent_at"]})
        stamps = [pd.Timestamp(x) for f in (t, m) for c in f.columns if c != "week" for x in f[c] if pd.notna(x)]
        if not stamps:
            raise DataError("tickets and messages hold no date: response times need created_at and sent_at")
        return max(stamps)

    @property
    def shown_weeks(self) -> list[str]:
        """Every ISO week a section shows: the window, the weeks compared with and the trend (sorted)."""
        return sorted({*self.current, *self.previous, *self.trend})

    @cached_property
    def nps_answers(self) -> pd.DataFrame | None:
        """The NPS answers, or None when there are none."""
        a = self.answers
        return a[a["survey"] == "nps"] if a is not None and (a["survey"] == "nps").any() else None

    @cached_property
    def nps_by_week(self) -> pd.DataFrame | None:
        """Weekly NPS over the trend weeks with its interval (None without NPS answers)."""
        if "nps" not in self.surveys:
            return None
        if self.on_engine:  # from the weekly tally in the engine (kept per week in the tally store)
            t = self.survey_weeks("nps")
            return _nps_of_tally(t[t["week"].isin(self.trend)].reset_index(drop=True), self)
        else:
            a = self.nps_answers
        return metrics.nps(review.in_weeks(a, self.trend), by="week", confidence=self.confidence,
                           method=self.method, min_n=self.min_n, seed=self.seed)

    def survey_weeks(self, survey: str) -> pd.DataFrame:
        """The answers of ``survey`` tallied by week in the engine (``tally_nps`` or ``tally_scale`` columns; a week
        whose answers have no score has ``n`` 0), through the workspace's tally store when it has one."""
        return self.boxes_by(survey)

    def boxes_by(self, survey: str, column: str | None = None) -> pd.DataFrame:
        """:meth:`survey_weeks` by ``week`` and ``column`` (a segment) when given, through the tally store when
        there is one."""
        key, by = (f"{survey}.{column}", [column]) if column else (survey, [])
        if key not in self._tallies:
            low, high, _, _ = BOXES.get(survey, (0, 10, 0, 0))

            def compute(kept: Any) -> pd.DataFrame:
                a = with_week_lazy(kept, "submitted_at", dated=True).filter(nw.col("survey") == survey)
                return metrics.tally_nps(a, "score", ["week", *by]) if survey in ("nps", "enps") else \
                    metrics.tally_scale(a, "score", ["week", *by], low, high)

            self._tallies[key] = self.ws.tally("responses", f"{survey}_boxes", tuple(by), compute,
                                               {"survey": survey, "scale": [low, high]})
        return self._tallies[key]

    def values_in(self, kind: str, date: str, columns: Iterable[str], weeks: list[str], by: str | None = None
                  ) -> pd.DataFrame:
        """Rows of table ``kind`` dated in ``weeks`` with a value in each of ``columns`` (those it holds), by ``by``
        when given: one count per week in the engine, kept per week in the tally store when there is one.

        Parameters
        ----------
        kind, date : str
            The table and the date column that gives a row its week.
        columns : iterable of str
            The columns counted (those the table does not hold are left out).
        weeks : list of str
            The weeks counted.
        by : str, optional
            A column counted by (``survey``, say).

        Returns
        -------
        DataFrame
            ``by`` (when given) and one count per column held, one row per value of ``by`` (one row without).
        """
        names = nw.from_native(self.ws.lazy(kind)).collect_schema().names()
        cols = sorted({c for c in columns if c in names})
        keys = ["week", *([by] if by else [])]
        if cols:
            def compute(kept: Any) -> pd.DataFrame:
                dated = with_week_lazy(kept, date, dated=True)
                return sum_flags(dated, keys, {f"_c{i}": ~nw.col(c).is_null() for i, c in enumerate(cols)})

            t = self.ws.tally(kind, "values", tuple(keys[1:]), compute, {"columns": cols, "date": date}, weeks=weeks)
            t = t[t["week"].isin(list(weeks))].rename(columns={f"_c{i}": c for i, c in enumerate(cols)})
            t = t.reindex(columns=[*keys, *cols], fill_value=0)  # (no week with rows: no count columns stored)
        else:
            t = pd.DataFrame(columns=keys)
        if by:
            return t.groupby(by, as_index=False, sort=True)[cols].sum()
        return pd.DataFrame([t[cols].sum()]) if cols else pd.DataFrame(index=[0])

    def counts_by(self, kind: str, column: str, by: str | None = None) -> pd.DataFrame:
        """Rows of table ``kind`` by ``week`` (and ``by`` when given), counted in the engine, through the tally store
        when there is one.

        Parameters
        ----------
        kind : str
            The table.
        column : str
            Its date column (the week's).
        by : str, optional
            A column counted by too (``category``, say).

        Returns
        -------
        DataFrame
            ``week``, ``by`` and ``rows``, one row per week (and value) with rows.
        """
        key = f"{kind}.{column}.{by}"
        if key not in self._tallies:
            self._tallies[key] = common.week_rows(self.ws, kind, column, [by] if by else [])
        return self._tallies[key]

    def week_counts(self, kind: str, column: str) -> pd.Series:
        """Rows of table ``kind`` per week of ``column``, counted in the engine (through the tally store when there
        is one): the counts :func:`carelib.analysis.review.rate_row` and ``count_row`` take."""
        return self.counts_by(kind, column).set_index("week")["rows"].astype("int64")

    def rows_in(self, kind: str, column: str, weeks: list[str]) -> Any:
        """Rows of table ``kind`` whose week of ``column`` is one of ``weeks``, with that ``week``: lazy in the engine
        on an engine workspace (:meth:`Workspace.lazy_in_weeks`: only those weeks' files when their footers place
        every row), else pandas. The same rows either way.

        Parameters
        ----------
        kind, column : str
            The table and the date column that gives each row its week.
        weeks : list of str
            The weeks kept.

        Returns
        -------
        frame
            Lazy in the engine on an engine workspace, else pandas.
        """
        if self.on_engine:
            return self.ws.lazy_in_weeks(kind, column, weeks)
        return review.in_weeks(self.lazy(kind, column), weeks)

    def window_answers(self) -> Any:
        """The answers with their ``week`` for a section that reads only the weeks under review: on an engine with
        the tally store, a lazy frame over those weeks' partitions only (every answer's week was checked against its
        partition when the weekly survey tallies were made); else :meth:`lazy`."""
        known = self.ws.weeks("responses") if self.on_engine else None
        have = [w for w in self.current if known is not None and w in known]
        if not have:
            return self.lazy("responses", "submitted_at")
        for s in self.surveys:  # a row outside its partition's week fails here, before any week is pruned
            self.survey_weeks(s)
        # every dated row of these files lies in its partition's week (checked above): its week by comparison
        return with_known_weeks_lazy(self.ws.lazy_weeks("responses", have), "submitted_at", have)

    @cached_property
    def _tallies(self) -> dict[str, pd.DataFrame]:
        return {}

    @cached_property
    def redact(self) -> Callable[[str], str]:
        """The workspace's redaction (greetings too), shared by the sections; its roster (every customer's name and
        id) read only when a text is first redacted."""
        return _late_redactor(self.ws)

    @cached_property
    def head(self) -> pd.DataFrame:
        """The headline: one row per metric family present (:func:`carelib.analysis.review.headline`)."""
        return review.headline(_headline_rows(self))

    def survey(self, name: str, weeks: list[str] | None = None) -> pd.DataFrame:
        """The answers of survey ``name`` (in ``weeks`` when given); empty without a responses table."""
        a = self.answers
        if a is None:
            return pd.DataFrame(columns=["survey", "score", "week"])
        part = a[a["survey"] == name]
        return part if weeks is None else part[part["week"].isin(weeks)]

    @property
    def span(self) -> str:
        """The weeks under review as a phrase, e.g. ``2026-W44 to 2026-W47``."""
        return f"{self.current[0]} to {self.current[-1]}"

    @property
    def compared_with(self) -> str:
        """What the window is compared with, as a phrase, e.g. ``2026-W40 to 2026-W43``."""
        if not self.previous:
            return "the weeks compared with"
        return self.previous[0] if len(self.previous) == 1 else f"{self.previous[0]} to {self.previous[-1]}"


def open_review(data_dir: str, *, period: str = "2026-W47", window: int = 4, compare_to: str = "previous",
                weeks: int = 52, segment: str = "region", segments_by: Iterable[str] = ("region", "plan", "channel"),
                confidence: float = 0.95, method: str = "adjusted-wald", min_n: int = 30,
                rules: str = "western-electric", sla_minutes: float = 60.0, seed: int = 0,
                today: periods.TodayLike = None, engine: str = "auto", tally_store: bool = True) -> Review:
    """Open the review of a workspace: the weeks under review, compared against, and shown in trends.

    Parameters
    ----------
    data_dir : str
        Workspace folder; rows that break a contract are set aside (:func:`common.open_workspace`).
    period : str
        Last ISO week under review, or ``"latest"`` for the latest week any dated table holds.
    window, compare_to : int, str
        Weeks under review and what they are compared with (:func:`carelib.analysis.review.review_weeks`).
    weeks : int
        Weeks shown in trends and control charts, ending with ``period``.
    segment, segments_by, confidence, method, min_n, rules, sla_minutes, seed
        The notebook's parameters of the same names.
    today : str, date or Timestamp, optional
        The run's today (default ``$CARELIB_TODAY``, else the clock).
    engine : {"auto", "duckdb", "pandas", "spark"}
        Where tables are read and the headline's tallies counted (:func:`carelib.data.tables.load_workspace`).
    tally_store : bool
        On an engine, keep the weekly tallies of week-partitioned tables (validation counts, survey boxes,
        rows per week) in ``WORKSPACE/.carelib/tallies/`` (:class:`carelib.analysis.tallies.TallyStore`): a
        re-run tallies only new or changed weeks. The findings are the same either way.

    Returns
    -------
    Review

    Examples
    --------
    >>> import tempfile
    >>> open_review(tempfile.mkdtemp(), period="2026-W03", window=2).previous
    ['2025-W52', '2026-W01']
    """
    ws = common.open_engine_workspace(data_dir, today=today, engine=engine, tally_store=tally_store)
    week_rows = common.table_week_counts(ws) if ws.engine != "pandas" else None  # weeks come back, not rows
    weeks_of = common.table_weeks(ws) if week_rows is None else {t: c["week"] for t, c in week_rows.items()}
    kw = {"window": window, "segment": segment, "segments_by": list(segments_by), "confidence": confidence,
          "method": method, "min_n": min_n, "rules": rules, "sla_minutes": sla_minutes, "seed": seed, "week_rows": week_rows}
    waves = {} if _any_dated(weeks_of) else common.table_waves(ws)
    if _any_dated(waves):  # dates known only to the year or month: wave against wave, never an invented week
        period, current, previous, trend = _waves(period, waves, weeks)
        return Review(ws, period, current, previous, trend, waves, grain="wave", **kw)
    if period == "latest" and weeks_of and not _any_dated(weeks_of):  # nothing dated at all: one undated period
        return Review(ws, UNDATED, [UNDATED], [], [UNDATED], weeks_of, grain="undated", **kw)
    period = common.resolve_period(period, weeks_of)
    current, previous = review.review_weeks(period, window, compare_to)
    return Review(ws, period, current, previous, periods.last_weeks(period, weeks), weeks_of, **kw)


#: The one period of a workspace where nothing is dated.
UNDATED = "undated"


def _any_dated(labels: dict[str, pd.Series]) -> bool:
    return any(s.notna().any() for s in labels.values())


def _waves(period: str, waves: dict[str, pd.Series], count: int) -> tuple[str, list[str], list[str], list[str]]:
    """The wave under review (``period``, or the latest for ``"latest"``), the wave before it, and ``count`` waves
    of trend ending with it."""
    known = sorted({str(w) for s in waves.values() for w in s.dropna()})
    if period == "latest":
        period = known[-1]
    if period not in known:
        raise ParameterError(f"period {period!r}: this workspace's dates are known only to the "
                             f"{'year' if len(known[0]) == 4 else 'month'}; give one of its waves: "
                             f"{', '.join(known[-8:])}, or \"latest\"")
    i = known.index(period)
    return period, [period], known[max(0, i - 1):i], known[max(0, i - count + 1):i + 1]


def _range(labels: Iterable[object]) -> str:
    """Periods as a caption says them: ``first to last``, or the one period."""
    labels = [str(x) for x in labels]
    if not labels:
        return "no period"
    return labels[0] if labels[0] == labels[-1] else f"{labels[0]} to {labels[-1]}"


def _per(r: Review) -> str:
    """What one period of the review is: a week, a wave, or the one undated period."""
    return {"week": "week", "wave": "wave"}.get(r.grain, "period")


def _window(r: Review) -> str:
    """The periods under review, as a caption says them."""
    if r.grain == "undated":
        return "all rows (undated)"
    return f"the wave {r.period}" if r.grain == "wave" else _range(r.current)


def _against(r: Review) -> str:
    """`` against <the periods compared with>``, or nothing when there are none."""
    return f" against {_range(r.previous)}" if r.previous else ""


def _trend(r: Review) -> str:
    """The periods of the trends and control charts, as a caption says them."""
    return "all rows (undated)" if r.grain == "undated" else _range(r.trend)


def _interval(r: Review) -> str:
    return f"{r.confidence:.0%} interval"


def overview(r: Review) -> common.Shown:
    """The weeks under review and compared with, the tables present, and each dated table's coverage.

    Raises :class:`carelib.errors.DataError` when no table has a row in the weeks under review.
    """
    if r.grain == "undated":
        said = common.note("**No row of any table has a date** (tables: {t}): every row is counted once, as one "
                           "period; trends, comparisons and control charts are skipped, and no date is invented.",
                           t=", ".join(sorted(r.have)))
        return common.Shown(said, common.table(_coverage_table(r), "Rows of each table (no row has a date)"))
    if r.grain == "wave":
        said = common.note("**Under review:** the wave {a} · **compared with:** {c} · **tables:** {t}. The dates are "
                           "known only to the {g}: each wave is compared with the one before, and no week is "
                           "invented (the columns headed week hold the wave).", a=r.period,
                           c=r.previous[0] if r.previous else "no earlier wave", t=", ".join(sorted(r.have)),
                           g="year" if len(r.period) == 4 else "month")
        return common.Shown(said, _coverage(r))
    said = common.note("**Under review:** {a} to {b} · **compared with:** {c} to {d} · **tables:** {t}",
                       a=r.current[0], b=r.current[-1], c=r.previous[0], d=r.previous[-1], t=", ".join(sorted(r.have)))
    return common.Shown(said, _coverage(r))


def _coverage(r: Review) -> Any:
    """Each dated table's first and last period and its rows under review (:func:`carelib.analysis.review.coverage`)."""
    per = _per(r)
    return common.table(_coverage_table(r),
                        f"Dates of each table: first and last {per}, rows in {_window(r)} (under review), rows "
                        f"without a {per}")


def _coverage_table(r: Review) -> pd.DataFrame:
    """:func:`carelib.analysis.review.coverage` of the review's tables: from the engine's counts when it has them."""
    return review.coverage(r.weeks_of, r.current) if r.week_rows is None or r.grain == "wave" else \
        review.coverage_counts(r.week_rows, r.current)


def _late_redactor(ws: Workspace) -> Callable[[str], str]:
    """The workspace's redaction (greetings too), its roster read when it is first needed."""
    built: list[Callable[[str], str]] = []

    def redact(text: str) -> str:
        if not built:
            built.append(common.redactor(ws).redact)
        return built[0](text)

    return redact


def the_case(r: Review) -> common.Shown:
    """The customer the review opens with (:func:`common.the_case` over the window), published as ``case``."""
    shown = common.the_case(r.ws, r.period, weeks=r.window, seed=r.seed, redact=r.redact)
    if {"complaints", "tickets", "messages"} <= r.have:
        if r.ws.has("customers"):  # the roster is validated right after the case (the load report's order)
            r.ws.lazy("customers")
    return shown


def _headline_rows(r: Review) -> list:
    rows: list = []
    args = (r.current, r.previous, r.trend, r.confidence, r.rules)
    if r.surveys:
        answers = r.lazy("responses", "submitted_at")
        rows += [review.survey_row(answers, s, *args, min_n=r.min_n, weekly=r.survey_weeks(s) if r.on_engine else None)
                 for s in ("nps", "enps", "csat", "ces", "pmf") if s in r.surveys]
    reviews = _dated_reviews(r)
    if reviews is not None:
        rows.append(review.stars_row(reviews, *args))
    if {"complaints", "orders"} <= r.have:
        rows.append(review.rate_row(_counted(r, "complaints", "received_at"), _counted(r, "orders", "ordered_at"), *args))
    elif "complaints" in r.have:  # no orders to divide by: complaints per week
        rows.append(review.count_row(_counted(r, "complaints", "received_at"), *args))
    if r.ticket_times is not None:
        rows += review.response_row(r.ticket_times, *args, sla_minutes=r.sla_minutes, select=r.ticket_times_in,
                                    tally=r.response_tally)
    return rows


def _counted(r: Review, kind: str, column: str) -> Any:
    """Rows per week on an engine (:meth:`Review.week_counts`), else the table with its ``week``."""
    return r.week_counts(kind, column) if r.on_engine else r.lazy(kind, column)


def _nps_of_tally(t: pd.DataFrame, r: Review, keys: tuple[str, ...] = ("week",), *, confidence: float | None = None,
                  method: str | None = None, min_n: int | None = None) -> pd.DataFrame:
    """:func:`carelib.metrics.nps` by ``keys`` from a tally of boxes by them (the inference of ``metrics.nps`` on its
    counts); the review's confidence, method and ``min_n`` unless given."""
    confidence, method = confidence or r.confidence, method or r.method
    min_n = r.min_n if min_n is None else min_n
    t = t.reset_index(drop=True)
    inf = metrics.nps_from_counts(t["promoters"], t["passives"], t["detractors"], confidence, method, r.seed)
    out = pd.concat([t[list(keys)], inf], axis=1)
    out["missing"] = t["missing"].to_numpy()
    small = out["n"] < min_n
    out.loc[small, ["nps", "ci_low", "ci_high"]] = float("nan")
    out["note"] = [f"n too small ({k} < {min_n})" if s else "" for k, s in zip(out["n"], small, strict=True)]
    return out


def _summed(t: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Tally rows summed over weeks by ``keys`` (missing keys kept as a group), sorted by them."""
    counts = [c for c in t.columns if c != "week" and c not in keys]
    return t.groupby(keys, dropna=False, sort=True)[counts].sum().reset_index()


def _dated_reviews(r: Review) -> Any:
    """The reviews with their ``week`` when any review is dated (lazy in the engine on an engine workspace), else
    None."""
    if "reviews" not in r.have:
        return None
    if r.on_engine:
        reviews = r.lazy("reviews", "created_at")
        return reviews if _has_values(reviews, "created_at") else None
    return r.reviews if r.reviews["created_at"].notna().any() else None


def publish_headline(head: pd.DataFrame, *, alpha: float = 0.05, comparison: str = "the weeks compared with") -> None:
    """Publish ``headline.<metric>`` for every headline row with a value: value, interval, change and signal.

    Besides the text, each finding carries its numbers for the brief and the run history: ``unit``,
    ``change``, ``p_value``, ``significant`` (p below ``alpha``), ``signal`` (the control-chart rule that
    fired in the window, or empty) and ``comparison``.

    Parameters
    ----------
    head : DataFrame
        The headline (:func:`carelib.analysis.review.headline`).
    alpha : float
        A change with a p-value below it is significant (1 − the review's confidence).
    comparison : str
        What the window is compared with, as a phrase (``2026-W40 to 2026-W43``).

    Returns
    -------
    None
        One finding is displayed (without a line of its own) per headline row with a value.
    """
    for row in head.itertuples():
        if pd.isna(row.value):
            continue
        scale = 100 if row.unit == "share" else 1
        unit = "%" if row.unit == "share" else f" {row.unit}" if row.unit != "points" else ""
        change = f"; {row.change * scale:+.1f} vs comparison, p = {row.p_value:.3f}" if pd.notna(row.p_value) else ""
        findings.publish(f"headline.{row.metric}", float(row.value), label=row.label, show=False,
                         ci=(float(row.ci_low), float(row.ci_high)),
                         text=f"{row.value * scale:.1f}{unit} ({row.ci_low * scale:.1f} to "
                              f"{row.ci_high * scale:.1f}){change}",
                         note=row.signal if row.signal not in ("", "no signal") else None,
                         unit=row.unit, change=float(row.change) if pd.notna(row.change) else None,
                         p_value=float(row.p_value) if pd.notna(row.p_value) else None,
                         significant=bool(pd.notna(row.p_value) and row.p_value < alpha),
                         signal=row.signal if row.signal not in ("", "no signal") else "", comparison=comparison)


def headline(r: Review) -> common.Shown:
    """Section 1: the headline table as leadership reads it; each metric published as ``headline.<metric>``."""
    publish_headline(r.head, alpha=1 - r.confidence, comparison=r.compared_with)
    return common.Shown(common.table(
        review.format_headline(r.head, r.confidence),
        f"Headline, {_window(r)}{_against(r)}: each metric with its {_interval(r)}, change and control-chart signal",
        absent=common.note("_No survey answers, reviews, complaints or tickets in this workspace: no headline._")))


def exclusions(r: Review, *, rows: int = 20) -> common.Shown:
    """The first ``rows`` rows set aside; a found value may be a customer's comment: redacted, cut to 40 characters."""
    excluded = r.ws.exclusions()
    found = readable(excluded.head(rows), ["found"], r.redact, max_chars=40)
    which = "" if len(found) >= len(excluded) else f", the first {len(found):,} of {len(excluded):,}"
    caption = f"Rows set aside{which}: file, row, column and why (the value found redacted, cut to 40 characters)"
    return common.Shown(common.table(found, caption, absent=common.note(
        "_No row set aside: every row of the tables read so far meets its table's contract._")))


def _no_nps() -> common.Shown:
    return common.Shown(Markdown("_No NPS answers in this workspace._"))


def nps_trend(r: Review) -> common.Shown:
    """Section 3: the last eight weeks of the weekly NPS, and the trend chart with its interval."""
    if r.nps_by_week is None:
        return _no_nps()
    plots.trend(r.nps_by_week, x="week", title=f"NPS by week ({r.confidence:.0%} interval)", ylabel="NPS")
    last = r.nps_by_week.tail(8)
    return common.Shown(common.table(last, f"NPS by {_per(r)}, {_range(last['week'])} ({_interval(r)})", absent=common.note(
        "_No NPS answers in the {per}s of the trend ({span})._", per=_per(r), span=_trend(r))))


def nps_chart(r: Review) -> common.Shown:
    """The weekly NPS as an XmR control chart, and the signals its rules name (nothing without NPS)."""
    if r.nps_by_week is None:
        return common.Shown()
    chart = spc.xmr(r.nps_by_week["nps"], r.nps_by_week["week"])
    found = spc.signals(chart, r.rules)
    plots.control_chart(chart, found, title=f"Weekly NPS, XmR chart ({r.rules} rules)", ylabel="NPS")
    return common.Shown(_signals(found, f"NPS by {_per(r)}", r))


def _signals(found: pd.DataFrame, what: str, r: Review) -> Any:
    """The signals of a control chart of ``what``, or the sentence that it has none."""
    return common.table(found, f"Control-chart signals of {what}, {_trend(r)} ({r.rules} rules)",
                        absent=common.note("_No control-chart signal in {what}, {span} ({rules} rules)._",
                                           what=what, span=_trend(r), rules=r.rules))


def _segment_answers(r: Review) -> Any:
    """The NPS answers when they carry ``segment`` (lazy in the engine on an engine workspace), else None."""
    if r.on_engine:
        if "nps" not in r.surveys:
            return None
        a = _survey_rows(r, "nps")
        return a if r.segment in _columns(a) else None
    a = r.nps_answers
    return a if a is not None and r.segment in a.columns else None


def _survey_rows(r: Review, name: str, weeks: list[str] | None = None) -> Any:
    """:meth:`Review.survey`, lazy in the engine on an engine workspace (only tallies of it come back)."""
    if not r.on_engine:
        return r.survey(name, weeks)
    a = r.lazy("responses", "submitted_at") if weeks is None else r.rows_in("responses", "submitted_at", weeks)
    return nw.from_native(a).filter(nw.col("survey") == name)


def _columns(frame: Any) -> list[str]:
    return list(frame.columns) if isinstance(frame, pd.DataFrame) else nw.from_native(frame).collect_schema().names()


def _rows(frame: Any) -> int:
    """Rows of ``frame``, counted where it lives."""
    return len(frame) if isinstance(frame, pd.DataFrame) else int(metrics.count_by(frame)["count"].iloc[0])


def _distinct(frame: Any, column: str) -> int:
    """Distinct values of ``column`` (missing left out), counted where ``frame`` lives."""
    if isinstance(frame, pd.DataFrame):
        return int(frame[column].nunique())
    return len(metrics.count_by(nw.from_native(frame).filter(~nw.col(column).is_null()), column))


def _latest(frame: Any) -> Any:
    """The latest ``week`` of ``frame``, found where it lives."""
    if isinstance(frame, pd.DataFrame):
        return frame["week"].max()
    return review.week_counts(frame).index.max()


def nps_by_segment(r: Review) -> common.Shown:
    """NPS of each value of ``segment`` in the window, and the forest plot against the overall NPS."""
    a = _segment_answers(r)
    if a is None:
        return common.Shown()
    kw = {"confidence": r.confidence, "method": r.method, "seed": r.seed}
    t = r.boxes_by("nps", r.segment) if r.on_engine else None
    t = None if t is None else t[t["week"].isin(r.current)]
    if t is not None and len(t):  # the weekly boxes by segment (kept per week in the tally store), summed
        by_segment = _nps_of_tally(_summed(t, [r.segment]), r, (r.segment,))
        overall = _nps_of_tally(_summed(t.assign(all=0), ["all"]), r, ("all",), min_n=1).drop(columns="all")
    else:
        window = _survey_rows(r, "nps", r.current) if r.on_engine else review.in_weeks(a, r.current)
        overall = metrics.nps(window, **kw)
        by_segment = metrics.nps(window, by=r.segment, min_n=r.min_n, **kw)
    plots.forest(by_segment, r.segment, reference=float(overall["nps"].iloc[0]), title=f"NPS by {r.segment}, {r.span}")
    return common.Shown(common.table(by_segment, f"NPS by {r.segment}, {_window(r)} ({_interval(r)})",
                                     absent=common.note("_No NPS answers in {w}._", w=_window(r))))


def nps_blocks(r: Review) -> common.Shown:
    """NPS of each ``segment`` value in four-week blocks of the trend weeks (blocks down, segments across)."""
    a = _segment_answers(r)
    if a is None:
        return common.Shown()
    block_of = periods.blocks(r.trend, size=4)
    if r.on_engine:  # the boxes by week and segment (kept per week in the tally store), summed into blocks
        t = r.boxes_by("nps", r.segment)
        t = t[t["week"].isin(r.trend)].assign(block=lambda x: x["week"].map(block_of).astype(str))
        grid = _nps_of_tally(_summed(t, [r.segment, "block"]), r, (r.segment, "block"))
        return _blocks_table(grid, r)
    recent = review.in_weeks(a, r.trend)
    if isinstance(recent, pd.DataFrame):
        blocked = recent.assign(block=recent["week"].map(block_of))
    else:  # the block of each week, computed in the engine
        block: Any = nw.lit(None, nw.String)
        for week, label in block_of.items():
            block = nw.when(nw.col("week") == week).then(nw.lit(str(label))).otherwise(block)
        blocked = nw.from_native(recent).with_columns(block.alias("block"))
    grid = metrics.nps(blocked, by=[r.segment, "block"],
                       confidence=r.confidence, method=r.method, min_n=r.min_n, seed=r.seed)
    return _blocks_table(grid, r)


def _blocks_table(grid: pd.DataFrame, r: Review) -> common.Shown:
    return common.Shown(common.table(
        grid.pivot(index="block", columns=r.segment, values="nps"),
        f"NPS by {r.segment} in four-{_per(r)} blocks, {_trend(r)} (blocks down, each {r.segment} across)",
        absent=common.note("_No NPS answers in the {per}s of the trend ({span})._", per=_per(r), span=_trend(r))))


#: staff surveys (``enps``, ``agree5``, ``agree7``) of at most this many answers are read once into DuckDB's memory
STAFF_IN_MEMORY = 1_000_000


def _staff_answers(r: Review) -> dict[str, Any]:
    """The answers of each staff survey (:func:`_survey_rows`). On DuckDB, when they are at most
    :data:`STAFF_IN_MEMORY` (staff are few against customers), they are read in one query into the engine's memory,
    so the section's dozen counts read them rather than every answer of every week; the same rows either way."""
    out = {k: _survey_rows(r, k) for k in ("enps", "agree5", "agree7")}
    if not (r.on_engine and r.ws.engine == "duckdb"):
        return out
    for kind, rows in out.items():  # one survey at a time: an equality is pushed into the scan, IN and OR are not
        got = nw.from_native(rows).head(STAFF_IN_MEMORY + 1).collect().to_arrow()
        if got.num_rows <= STAFF_IN_MEMORY:
            out[kind] = nw.from_native(r.ws.handle.from_arrow(got))
    return out


#: columns a staff survey is compared by, when its answers carry them (and the review's own segments)
STAFF_SEGMENTS = ("team", "site", "department", "role", "tenure_band")


def enps(r: Review) -> common.Shown:
    """Section 4: the staff's voice — eNPS by wave and by team (or site, department …, each against the rest,
    FDR-controlled), and the agreement rate of each Likert statement (``agree5``/``agree7`` surveys), by segment
    when there is one. Nothing without staff answers."""
    shown = common.Shown()
    staff = _staff_answers(r)
    part = staff["enps"]
    columns = [c for c in dict.fromkeys([*STAFF_SEGMENTS, *r.segments_by])]
    if _rows(part):
        shown += common.Shown(common.table(metrics.enps(part, by="week", confidence=r.confidence, min_n=r.min_n),
                                           f"eNPS (staff) by {_per(r)}, every {_per(r)} with answers "
                                           f"({_interval(r)})"))
        for c in (c for c in columns if c in _columns(part) and _distinct(part, c) > 1):
            shown += common.Shown(common.note("**eNPS by {c}** (all waves; each {c} against the rest)", c=c),
                                  segments.enps_by_segment(part, c, confidence=r.confidence, min_n=r.min_n))
    for scale in ("agree5", "agree7"):
        items = staff[scale]
        if not _rows(items):
            continue
        by = next((c for c in columns if c in _columns(items) and _distinct(items, c) > 1), None)
        question = "question" if "question" in _columns(items) else None
        shown += common.Shown(common.note("**Agreement** ({s}: share answering agree or strongly agree)", s=scale),
                              metrics.agreement_rate(items, by=by, confidence=r.confidence, scale=scale,
                                                     question=question, min_n=r.min_n))
    return shown


def csat(r: Review) -> common.Shown:
    """CSAT in the window (by team when answers carry one) and the Laney p′ chart of weekly CSAT."""
    if "csat" not in r.surveys:
        return common.Shown()
    part = _survey_rows(r, "csat", r.trend)
    by = "team" if "team" in _columns(part) else None
    table = _box_of_weeks(r, "csat", by, r.current)
    if table is None:
        table = metrics.csat(_survey_rows(r, "csat", r.current), by=by, confidence=r.confidence, min_n=r.min_n)
    if r.on_engine:  # the weekly counts per score (kept per week in the tally store)
        t = r.survey_weeks("csat")
        w = box_from_tally(t[t["week"].isin(r.trend)], ["week"], 1, 5, (4, 5), r.confidence, 1, True)
    else:
        w = metrics.csat(part, by="week", confidence=r.confidence)
    chart = spc.p_chart(w["successes"], w["n"], w["week"])
    plots.control_chart(chart, spc.signals(chart, r.rules), percent=True,
                        title="CSAT top-2-box by week, Laney p′ chart", ylabel="% satisfied")
    return common.Shown(common.table(table, f"CSAT (top-2-box){' by team' if by else ''}, {_window(r)} "
                                            f"({_interval(r)})",
                                     absent=common.note("_No CSAT answers in {w}._", w=_window(r))))


def ces_pmf(r: Review) -> common.Shown:
    """CES and PMF by plan: in the window when it holds ``min_n`` answers, else their latest wave."""
    shown = common.Shown()
    for name, fn in (("ces", metrics.ces), ("pmf", metrics.pmf)):
        if "responses" not in r.have:
            continue
        if name not in r.surveys:
            continue
        part = _survey_rows(r, name)
        by = "plan" if "plan" in _columns(part) else None
        weekly = r.boxes_by(name, by) if r.on_engine else None  # counts per score by week (and plan), stored
        if weekly is not None and len(weekly):
            rows = (weekly["n"] + weekly["missing"]).groupby(weekly["week"]).sum()
            latest = rows[rows > 0].index.max()
            weeks, when = (r.current, r.span) if int(rows.reindex(r.current).fillna(0).sum()) >= r.min_n else \
                ([latest], f"latest wave {latest}")
            said = common.note("**{name}** by {by}, {when}", name=name.upper(), by=by or "all", when=when)
            shown += common.Shown(said, _box_of_weeks(r, name, by, weeks, weekly))
            continue
        in_window = _survey_rows(r, name, r.current)
        if _rows(in_window) >= r.min_n:
            data, when = in_window, r.span
        else:
            latest = _latest(part)
            data, when = review.in_weeks(part, [latest]), f"latest wave {latest}"
        said = common.note("**{name}** by {by}, {when}", name=name.upper(), by=by or "all", when=when)
        shown += common.Shown(said, fn(data, by=by, confidence=r.confidence, min_n=r.min_n))
    return shown


#: whether :func:`carelib.metrics.csat`, ``ces`` and ``pmf`` show the mean beside the box share
BOX_MEANS = {"csat": True, "ces": True, "pmf": False}


def _box_of_weeks(r: Review, survey: str, by: str | None, weeks: list[str],
                  weekly: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """``metrics.csat`` / ``ces`` / ``pmf`` of the answers of ``weeks`` by ``by`` on an engine workspace: the weekly
    counts per score (:meth:`Review.boxes_by`, kept per week in the tally store) summed over those weeks, then the
    same inference (:func:`carelib.metrics.survey.box_from_tally`); the window's answers are not read again. None
    on pandas, or when those weeks hold no answer of the survey."""
    if not r.on_engine:
        return None
    t = r.boxes_by(survey, by) if weekly is None else weekly
    t = t[t["week"].isin(weeks)]
    if t.empty:
        return None
    low, high, first, last = BOXES[survey]
    keys = [by] if by else ["all"]
    summed = _summed(t if by else t.assign(all=0), keys)
    out = box_from_tally(summed, keys, low, high, (first, last), r.confidence, r.min_n, BOX_MEANS[survey])
    return out if by else out.drop(columns="all")


def public_reviews(r: Review) -> common.Shown:
    """Section 5: products ranked by Bayesian average, the recommend share, and mean stars by week."""
    if "reviews" not in r.have:
        return common.Shown(Markdown("_No reviews table in this workspace._"))
    if r.on_engine:  # ratings, shares and weekly means tallied in the engine: counts come back
        return _public_reviews_in_engine(r)
    reviews = r.ws["reviews"]
    item = next((c for c in ("product_name", "product_id") if c in reviews.columns), None)
    ranked = recommended = None
    if item:
        ranked = _ranking(r, reviews, item)
    if "recommended" in reviews.columns:
        recommended = common.table(
            metrics.proportion(reviews.assign(recommended=metrics.as_bool(reviews["recommended"])),
                               "recommended", confidence=r.confidence),
            f"Reviews that recommend the product: share of every review ({_interval(r)})")
    if reviews["created_at"].notna().any():
        dated = r.dated(reviews, "created_at")
        wk = metrics.ratings(dated[dated["week"].isin(r.trend)], by="week", confidence=r.confidence)
        plots.trend(wk, x="week", y="mean", title="Mean review stars by week", ylabel="stars")
    return common.Shown(ranked, recommended)


def _ranking(r: Review, reviews: Any, item: str) -> Any:
    """The products with the lowest Bayesian-average stars (a pandas or engine frame of reviews)."""
    ranked = metrics.ratings(reviews, by=item, confidence=r.confidence).sort_values("bayes_avg")
    products = len(ranked)
    which = (f"The {products:,} products ranked by" if products <= 8
             else f"The 8 of {products:,} products with the lowest")
    return common.table(ranked.head(8)[[item, *RANKING_COLUMNS]],
                        f"{which} Bayesian-average stars, lowest first (every review; {_interval(r)})",
                        absent=common.note("_No reviews to rank the products by._"))


def _public_reviews_in_engine(r: Review) -> common.Shown:
    """:func:`public_reviews` on an engine workspace: every tally runs where the reviews live."""
    reviews = nw.from_native(r.lazy("reviews", "created_at"))
    columns = reviews.collect_schema().names()
    item = next((c for c in ("product_name", "product_id") if c in columns), None)
    ranked = recommended = None
    if item:
        ranked = _ranking(r, reviews, item)
    if "recommended" in columns:  # each distinct value counted in the engine, read as yes/no here
        counts = metrics.count_by(reviews, "recommended", "n")
        said = pd.DataFrame({"recommended": np.repeat(metrics.as_bool(counts["recommended"]).to_numpy(object),
                                                      counts["n"].to_numpy())})
        recommended = common.table(metrics.proportion(said, "recommended", confidence=r.confidence),
                                   f"Reviews that recommend the product: share of every review ({_interval(r)})")
    if _has_values(reviews, "created_at"):
        wk = metrics.ratings(review.in_weeks(reviews, r.trend), by="week", confidence=r.confidence)
        plots.trend(wk, x="week", y="mean", title="Mean review stars by week", ylabel="stars")
    return common.Shown(ranked, recommended)


def category_rates(complaints: pd.DataFrame, orders: pd.DataFrame, current: list[str], previous: list[str],
                   confidence: float = 0.95) -> pd.DataFrame:
    """Complaints per 1,000 orders by category, in the window and before, with the exact rate-ratio test.

    Parameters
    ----------
    complaints, orders : DataFrame or lazy frame
        With a ``week`` column (and ``category`` for complaints): pandas, or lazy in an engine (counted there).
    current, previous : list of str
        The weeks under review and those compared with.
    confidence : float
        Level of the rate-ratio interval.

    Returns
    -------
    DataFrame
        ``category, complaints, per_1000, before, before_per_1000`` and the columns of
        :func:`carelib.metrics.rate_ratio`, highest rate first.

    Examples
    --------
    >>> c = pd.DataFrame({"category": ["late", "late", "rude"], "week": ["W2", "W1", "W2"]})
    >>> o = pd.DataFrame({"week": ["W1"] * 100 + ["W2"] * 200})
    >>> category_rates(c, o, ["W2"], ["W1"])[["category", "per_1000", "before_per_1000"]].values.tolist()
    [['late', 5.0, 10.0], ['rude', 5.0, 0.0]]
    """
    ex = review.week_counts(orders)  # counted where the orders live: weeks come back, not rows
    e1, e0 = int(ex[ex.index.isin(current)].sum()), int(ex[ex.index.isin(previous)].sum())
    counts = metrics.count_by(complaints, ["category", "week"], "n")
    table = _by_category(counts[counts["category"].notna()], current, previous, (e1, e0), 1000.0, "per_1000",
                         confidence)
    return table.sort_values("per_1000", ascending=False, ignore_index=True)


def _by_category(counts: pd.DataFrame, current: list[str], previous: list[str], exposure: tuple[int, int],
                 per: float, name: str, confidence: float) -> pd.DataFrame:
    """Complaints per category in the window and before, from complaints counted by ``category, week`` (column
    ``n``), each as a rate ``per`` unit of ``exposure`` (window, before) in the column ``name`` (and
    ``before_<name>``), with the exact rate-ratio test when there is a before."""
    (e1, e0), rows = exposure, []
    for cat, g in counts.groupby("category"):
        k1 = int(g.loc[g["week"].isin(current), "n"].sum())
        k0 = int(g.loc[g["week"].isin(previous), "n"].sum())
        if k1 + k0 == 0:
            continue
        test = metrics.rate_ratio(k1, e1, k0, e0, confidence) if e0 else {}  # nothing before: nothing to compare
        rows.append({"category": cat, "complaints": k1, name: per * k1 / e1, "before": k0,
                     f"before_{name}": per * k0 / e0 if e0 else float("nan"), **test})
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["category", "complaints", name, "before",
                                                                  f"before_{name}"])


def category_counts(complaints: pd.DataFrame, current: list[str], previous: list[str],
                    confidence: float = 0.95) -> pd.DataFrame:
    """Complaints per week by category, in the window and before, with the exact rate-ratio test (exposure = weeks).

    Parameters
    ----------
    complaints : DataFrame or lazy frame
        With ``week`` and ``category`` (an empty category is shown as "(none)"); pandas, or lazy in an engine.
    current, previous : list of str
        The weeks under review and those compared with.
    confidence : float
        Level of the rate-ratio interval.

    Returns
    -------
    DataFrame
        ``category, complaints, per_week, before, before_per_week`` and the columns of
        :func:`carelib.metrics.rate_ratio`, most complaints first.

    Examples
    --------
    >>> c = pd.DataFrame({"category": ["late", "late", "late", "rude"], "week": ["W3", "W3", "W1", "W2"]})
    >>> category_counts(c, ["W3"], ["W1", "W2"])[["category", "complaints", "per_week", "before_per_week"]].values.tolist()
    [['late', 2, 2.0, 0.5], ['rude', 0, 0.0, 0.5]]
    """
    counts = metrics.count_by(complaints, ["category", "week"], "n")  # in the complaints' engine
    counts["category"] = counts["category"].fillna("(none)").replace("", "(none)")
    counts = counts.groupby(["category", "week"], as_index=False, dropna=False)["n"].sum()
    out = _by_category(counts, current, previous, (len(current), len(previous)), 1.0, "per_week", confidence)
    return out.sort_values(["complaints", "before", "category"], ascending=[False, False, True], ignore_index=True)


def complaint_counts(r: Review) -> common.Shown:
    """Complaints without orders: the XmR chart of weekly counts, its signals, and counts per week by category."""
    complaints = r.lazy("complaints", "received_at")  # lazy in the engine on an engine workspace: counts come back
    counts = review.weekly_counts(complaints, r.trend)
    if len(counts) >= 2:
        chart = spc.xmr(counts.to_numpy(float), counts.index)
        found = spc.signals(chart, r.rules)
        plots.control_chart(chart, found, title="Complaints per week, XmR chart", ylabel="complaints")
    else:
        found = None
    said = Markdown("_No orders table: complaints are counted per week (a rate per 1,000 orders needs `orders`)._")
    by_category = common.table(
        category_counts(complaints, r.current, r.previous, r.confidence),
        f"Complaints per {_per(r)} by category, {_window(r)}{_against(r)}"
        + (f" (rate ratio with its {_interval(r)})" if r.previous else ""),
        absent=common.note("_No complaints in {w}{a}._", w=_window(r), a=_against(r)))
    return common.Shown(said, None if found is None else _signals(found, f"complaints per {_per(r)}", r), by_category)


def complaint_rates(r: Review) -> common.Shown:
    """Section 6: the Laney p′ chart of weekly complaints per 1,000 orders, its signals, and rates by category;
    without orders, complaints per week (:func:`complaint_counts`)."""
    if "orders" not in r.have and "complaints" in r.have:
        return complaint_counts(r)
    if not {"complaints", "orders"} <= r.have:
        return common.Shown(Markdown("_Complaint rates need the complaints table (and orders for a rate)._"))
    # lazy in the engine on an engine workspace: only counts by week (and by category and week) come back
    complaints, orders = r.lazy("complaints", "received_at"), r.lazy("orders", "ordered_at")
    if r.on_engine:  # from the weekly counts (kept per week in the tally store)
        ev, ex = r.week_counts("complaints", "received_at"), r.week_counts("orders", "ordered_at")
        ev, ex = (c[c.index.isin(r.trend) & (c > 0)].rename_axis("week").reset_index(name=n)
                  for c, n in ((ev, "events"), (ex, "exposure")))
        w = rate_from_counts(ev, ex, ["week"], r.confidence)
    else:
        w = metrics.rate(review.in_weeks(complaints, r.trend), review.in_weeks(orders, r.trend), by="week",
                         confidence=r.confidence)
    chart = spc.p_chart(w["events"], w["exposure"], w["week"])
    found = spc.signals(chart, r.rules)
    per_1000 = chart.assign(**{c: chart[c] * 1000 for c in ("value", "centre", "lcl", "ucl")})
    plots.control_chart(per_1000, found, title="Complaints per 1,000 orders, Laney p′ chart", ylabel="per 1,000")
    if r.on_engine:  # complaints by week and category, orders by week (kept per week in the tally store)
        ex = r.week_counts("orders", "ordered_at")
        e1, e0 = int(ex[ex.index.isin(r.current)].sum()), int(ex[ex.index.isin(r.previous)].sum())
        counts = r.counts_by("complaints", "received_at", "category").rename(columns={"rows": "n"})
        by_category = _by_category(counts[counts["category"].notna()], r.current, r.previous, (e1, e0), 1000.0,
                                   "per_1000", r.confidence).sort_values("per_1000", ascending=False, ignore_index=True)
    else:
        by_category = category_rates(complaints, orders, r.current, r.previous, r.confidence)
    rates = common.table(by_category,
                         f"Complaints per 1,000 orders by category, {_window(r)}{_against(r)}"
                         + (f" (rate ratio with its {_interval(r)})" if r.previous else ""),
                         absent=common.note("_No complaints in {w}{a}._", w=_window(r), a=_against(r)))
    return common.Shown(_signals(found, f"the complaint rate by {_per(r)} (complaints per order)", r), rates)


def response_times(r: Review) -> common.Shown:
    """Section 7: first response and resolution quantiles and SLA attainment per team, and the waiting curves."""
    times = r.ticket_times  # lazy in the engine on an engine workspace: only tallies come back
    if times is None:
        return common.Shown(Markdown("_Response times need the tickets and messages tables._"))
    now = r.ticket_times_in(r.current)
    if r.on_engine and r.ws.weeks("tickets") is not None:  # does a ticket shown name its team: weekly counts (store)
        held = r.values_in("tickets", "created_at", ["team"], r.shown_weeks)
        team = "team" if "team" in held.columns and int(held["team"].sum()) > 0 else None
    else:
        team = "team" if _has_values(times, "team") else None
    kw = {"by": team, "confidence": r.confidence, "min_n": r.min_n}
    waits = rt.tally_durations(now, "first_response_min", "responded", by=team)  # one tally: quantiles, SLA, curves
    first = rt.quantiles_of_tally(waits, team, confidence=r.confidence, min_n=r.min_n)
    resolution = rt.quantiles(now, "resolution_h", "resolved", resolution=0.1, **kw)
    sla = rt.sla_of_tally(waits, r.sla_minutes, team, confidence=r.confidence, min_n=r.min_n)
    groups = waits.dropna(subset=[team]).groupby(team) if team else [("all", waits)]
    curves = {str(k): rt.kaplan_meier(g) for k, g in groups}
    plots.survival(curves, title="Share of tickets answered, by minutes waited")
    by, when = " by team" if team else "", _window(r)
    none = common.note("_No tickets opened in {w}._", w=when)
    return common.Shown(
        common.table(first, f"First response (minutes){by}, tickets opened in {when}: median and 90th percentile "
                            f"({_interval(r)})", absent=none),
        common.table(resolution, f"Resolution time (hours){by}, tickets opened in {when}: median and 90th "
                                 f"percentile ({_interval(r)})", absent=none),
        common.table(sla, f"Tickets answered within {r.sla_minutes:g} minutes{by}, opened in {when} "
                          f"({_interval(r)})", absent=none))


def _with_values(frame: Any, columns: list[str]) -> list[str]:
    """Those of ``columns`` that ``frame`` holds with a value in some row: one count of each, in one query."""
    f = nw.from_native(frame)
    held = [c for c in columns if c in f.collect_schema().names()]
    if not held:
        return []
    counts = sum_flags(f, [], {c: ~nw.col(c).is_null() for c in held})
    return [c for c in held if int(counts[c].iloc[0]) > 0]


def _held_by_survey(answers: Any, current: list[str], columns: list[str], surveys: tuple[str, ...]
                    ) -> dict[str, tuple[list[str], str | None]]:
    """Per survey, over the answers of the weeks ``current``: those of ``columns`` with a value in some row, and the
    respondent column :func:`carelib.analysis.segments.respondent_column` would take (None: all anonymous).
    One count of every column by survey, in one query (the engine reads the window once for all of them)."""
    f = nw.from_native(answers)
    names = f.collect_schema().names()
    wanted = list(dict.fromkeys([c for c in [*columns, *segments.RESPONDENT_COLUMNS] if c in names]))
    out: dict[str, tuple[list[str], str | None]] = {s: ([], None) for s in surveys}
    if not wanted:
        return out
    part = f.filter(nw.col("survey").is_in(list(surveys)) & nw.col("week").is_in(list(current)))
    counts = sum_flags(part, ["survey"], {f"_c{i}": ~nw.col(c).is_null() for i, c in enumerate(wanted)})
    for row in counts.to_dict("records"):
        if row["survey"] not in out:
            continue
        has = {c for i, c in enumerate(wanted) if int(row[f"_c{i}"]) > 0}
        out[row["survey"]] = ([c for c in columns if c in has],
                              next((c for c in segments.RESPONDENT_COLUMNS if c in has), None))
    return out


def _has_values(frame: Any, column: str) -> bool:
    """Whether ``frame`` (pandas or lazy in an engine) has ``column`` with a value in some row (counted there)."""
    f = nw.from_native(frame)
    if column not in f.collect_schema().names():
        return False
    return int(metrics.count_by(f.filter(~nw.col(column).is_null()))["count"].iloc[0]) > 0


def hour_of_week(r: Review) -> common.Shown:
    """The hour-of-week maps of the trend weeks: tickets opened, and the median first response."""
    if not {"tickets", "messages"} <= r.have:
        return common.Shown()
    load, median = hour_of_week_maps(r)
    plots.hour_of_week(load, label="tickets a week", title="Load: tickets opened per hour of the week")
    plots.hour_of_week(median, label="minutes", title="Median first response by hour the ticket was opened "
                                                      "(minutes, each rounded up)")
    return common.Shown()


def hour_of_week_maps(r: Review) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two maps of :func:`hour_of_week` over the trend weeks: tickets opened per week in each weekday and hour
    (rows / weeks with a ticket), and the median first response of the tickets opened there, in minutes each
    rounded up to the whole minute (the headline's 1-minute bins; a ticket still waiting counts the time it has
    waited). On an engine both come from a histogram per ticket week (:meth:`Review.hour_tally`), kept in the tally
    store: a re-review reads the weeks it has.

    Parameters
    ----------
    r : Review
        The review (with tickets and messages).

    Returns
    -------
    (DataFrame, DataFrame)
        Index ``Mon`` … ``Sun``, columns the hours 0–23 (:func:`carelib.metrics.response_times.hour_of_week`).
    """
    if not r.on_engine:
        recent = r.times[r.times["week"].isin(r.trend)]
        rounded = recent.assign(first_response_min=np.ceil(pd.to_numeric(recent["first_response_min"])))
        return rt.hour_of_week(recent, "created_at"), rt.hour_of_week(rounded, "created_at", "first_response_min")
    h = r.hour_tally(r.trend)
    weeks = max(1, h.loc[h["rows"] > 0, "week"].nunique())
    # the 168 cells of the week as numbers: sums and order statistics by array operations over the histogram's
    # rows (a million and a half at 100 M answers), not a grouping of them
    cell = h["weekday"].to_numpy("int64") * 24 + h["hour"].to_numpy("int64")
    rows, time = h["rows"].to_numpy("int64"), h["time"].to_numpy("float64")
    seen = np.bincount(cell, minlength=168) > 0
    load = np.where(seen, np.bincount(cell, weights=rows, minlength=168) / weeks, np.nan)
    timed = ~np.isnan(time)
    cell, rows, time = cell[timed], rows[timed], time[timed]
    order = np.lexsort((time, cell))
    cell, rows, time = cell[order], rows[order], time[order]
    n = np.bincount(cell, weights=rows, minlength=168).astype("int64")
    cum = np.cumsum(rows)
    before = np.concatenate([[0], np.cumsum(n)[:-1]])  # answers in the cells before each cell
    median = np.full(168, np.nan)
    has = n > 0
    # the middle two order statistics of each cell (one when n is odd): the first time whose running count reaches
    # (n + 1) // 2 and (n + 2) // 2
    low = time[np.searchsorted(cum, before[has] + (n[has] + 1) // 2)]
    high = time[np.searchsorted(cum, before[has] + (n[has] + 2) // 2)]
    median[has] = (low + high) / 2

    def grid(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values.reshape(7, 24), index=list(rt.WEEKDAYS), columns=list(range(24)))

    return grid(load), grid(median)


def segment_scan(answers: pd.DataFrame, current: list[str], segments_by: Iterable[str], confidence: float = 0.95,
                 min_n: int = 30, held: dict[str, tuple[list[str], str | None]] | None = None) -> pd.DataFrame:
    """Every segment of every attribute in ``segments_by`` against the rest, for NPS and CSAT in the window.

    Parameters
    ----------
    answers : DataFrame or lazy frame
        Survey answers with ``survey, score, week`` and the attribute columns: pandas, or lazy in an
        engine (the scan's tallies then run there).
    current : list of str
        The weeks under review.
    segments_by : iterable of str
        Attribute columns scanned (those absent or empty are skipped).
    confidence, min_n
        See :func:`carelib.analysis.segments.scan`.
    held : dict, optional
        Per survey, the attributes with a value in the window and the respondent column, when already counted
        (:meth:`Review.values_in`); default counted here in one query.

    Returns
    -------
    DataFrame
        The scans of :func:`carelib.analysis.segments.scan` with a ``metric`` column; empty when
        nothing could be scanned.
    """
    scans = []
    held = held if held is not None else _held_by_survey(answers, current, list(segments_by), ("nps", "csat"))
    for name in ("nps", "csat"):
        if isinstance(answers, pd.DataFrame):
            part = answers[(answers["survey"] == name) & answers["week"].isin(current)]
        else:  # lazy in an engine: the scan's tallies run there
            part = nw.from_native(answers).filter((nw.col("survey") == name) & nw.col("week").is_in(list(current)))
        cols, who = held[name]  # a column with a value implies rows
        if cols:
            native = part if isinstance(part, pd.DataFrame) else nw.to_native(part)
            scans.append(segments.scan(native, cols, metric=name, confidence=confidence, min_n=min_n,
                                       respondent=who).assign(metric=name))
    return pd.concat(scans, ignore_index=True) if scans else pd.DataFrame()


def segments_below(r: Review) -> common.Shown:
    """Section 8: the segment scan; each segment flagged below the rest is published as a ``signal``."""
    if "responses" not in r.have:
        return common.Shown()
    held = None
    if r.on_engine and r.ws.weeks("responses") is not None:  # attributes with values in the window: weekly (store)
        cols = [*r.segments_by, *segments.RESPONDENT_COLUMNS]
        counts = r.values_in("responses", "submitted_at", cols, r.current, by="survey")
        held = {}
        for name in ("nps", "csat"):
            row = counts[counts["survey"] == name]
            has = {c for c in counts.columns if c != "survey" and len(row) and int(row[c].sum()) > 0}
            held[name] = ([c for c in r.segments_by if c in has],
                          next((c for c in segments.RESPONDENT_COLUMNS if c in has), None))
    seg = segment_scan(r.window_answers(), r.current, r.segments_by, r.confidence, r.min_n, held=held)
    flagged = seg[seg["flag"] == "below the rest"] if "flag" in seg.columns else seg.iloc[0:0]
    for row in flagged.itertuples():
        findings.publish(f"segment.{row.metric}.{row.attribute}.{row.segment}", float(row.difference), kind="signal",
                         label=f"{row.metric.upper()}: {row.attribute} = {row.segment} below the rest",
                         text=f"{row.difference:+.3g} vs the rest (q = {row.q_value:.3f}, n = {row.n})")
    if seg.empty:
        return common.Shown(common.note("_No segment to scan: no NPS or CSAT answers in {w} with a value of {c}._",
                                        w=_window(r), c=", ".join(r.segments_by)))
    scanned = " and ".join(m.upper() for m in dict.fromkeys(seg["metric"]))
    by = ", ".join(dict.fromkeys(seg["attribute"].astype(str)))
    return common.Shown(common.table(seg, f"{scanned} of each segment against the rest, by {by}, {_window(r)} "
                                          f"({_interval(r)}; q controls the false discovery rate at "
                                          f"{1 - r.confidence:.0%})"))


def _with_codes(d: pd.DataFrame, ws: Workspace) -> tuple[pd.DataFrame, list[str]]:
    """One boolean column per codebook code (each answer's comment coded by the workspace codebook)."""
    coded, _ = common.code_texts(d.dropna(subset=["comment"]), ws, text="comment", id="response_id")
    themes = pd.crosstab(coded["response_id"], coded["code"]).gt(0)
    out = d.join(themes, on="response_id")
    out[list(themes.columns)] = out[list(themes.columns)].fillna(False).astype(bool)
    return out, list(themes.columns)


def _with_theme(d: pd.DataFrame, ws: Workspace, seed: int) -> pd.DataFrame:
    """A ``comment theme`` column: the theme found in each redacted comment (:class:`ThemeModel`)."""
    said = d["comment"].fillna("").str.strip().ne("")
    redact = common.redactor(ws).redact
    model = ThemeModel(k_range=(4, 12), seed=seed).fit(d.loc[said, "comment"].map(redact))
    theme_names = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    return d.assign(**{"comment theme": pd.Series(model.labels_, index=d.index[said]).map(theme_names)})


def detractor_factors(nps_answers: pd.DataFrame, trend: list[str], segments_by: Iterable[str], ws: Workspace,
                      seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Scored NPS answers of the trend weeks with a ``detractor`` flag, and the factors to test against it.

    Parameters
    ----------
    nps_answers : DataFrame
        NPS answers with ``week``, ``score``, ``response_id`` and, when present, ``comment``.
    trend : list of str
        The weeks the answers come from.
    segments_by : iterable of str
        Attribute columns that are factors (those absent or empty are skipped).
    ws : Workspace
        Its codebook codes the comments (one factor per code); without one, themes are found in
        the comments when at least ``MIN_COMMENTS_FOR_THEMES`` say something (``comment theme``).
    seed : int
        Seed of theme discovery.

    Returns
    -------
    (DataFrame, list of str)
        The answers (a new frame) and the factor columns, codes or theme first.
    """
    d = nps_answers[nps_answers["week"].isin(trend) & nps_answers["score"].notna()].assign(
        detractor=lambda x: x["score"] < 7)
    factors = [c for c in segments_by if c in d.columns and d[c].notna().any()]
    if "comment" not in d.columns:
        return d, factors
    if ws.optional("codebook.yml") is not None:
        d, codes = _with_codes(d, ws)
        return d, codes + factors
    if d["comment"].fillna("").str.strip().ne("").sum() >= MIN_COMMENTS_FOR_THEMES:
        return _with_theme(d, ws, seed), ["comment theme", *factors]
    return d, factors


def _detractor_counts_in_engine(r: Review) -> dict[str, pd.DataFrame] | None:
    """The 2 x 2 counts of :func:`detractor_factors` on an engine workspace, per factor (rows and detractors per
    level over the trend weeks), tallied by week in the engine and kept in the tally store when there is one.

    With a codebook, each comment's codes are regex predicates in the engine that give exactly the codes of
    :func:`carelib.qual.coding.auto_code` (:func:`carelib.qual.coding.keyword_codes`), all counted in one pass;
    only codes some comment of the trend carries become factors (as on pandas). None when the comments must be
    themed in Python (no codebook): :func:`_detractor_factors_in_engine` then.
    """
    columns = nw.from_native(r.ws.lazy("responses")).collect_schema().names()
    book = r.ws.optional("codebook.yml") if "comment" in columns else None
    if "comment" in columns and book is None:
        return None
    whole = r.ws.weeks("responses") is None  # no store: tally the trend weeks only

    def scored(kept: Any) -> Any:
        d = with_week_lazy(kept, "submitted_at", dated=True).filter(
            (nw.col("survey") == "nps") & ~nw.col("score").is_null())
        return d.filter(nw.col("week").is_in(list(r.trend))) if whole else d

    def trend_sums(t: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        t = t[t["week"].isin(r.trend)]
        return t.groupby(by, dropna=False, sort=False)[["rows", "outcomes"]].sum().reset_index() if by else t

    detractor = nw.col("score") < 7
    counts: dict[str, pd.DataFrame] = {}
    if book is not None:
        hits, codes = keyword_stages(load_codebook(book), "comment", "java" if r.ws.engine == "spark" else "re2",
                                     prepared=True)
        flags = {"rows": nw.lit(True), "outcomes": nw.col("detractor")}
        for i, e in enumerate(codes.values()):
            flags |= {f"c{i}_rows": e, f"c{i}_outcomes": e & nw.col("detractor")}

        def by_code(kept: Any) -> pd.DataFrame:  # each distinct comment of a week coded once, weighted by its count
            d = scored(kept).with_columns(detractor.alias("detractor"))
            d = d.group_by("week", "comment", "detractor").agg(nw.len().alias("n"))
            return sum_flags(d.with_columns(**keyword_inputs("comment")).with_columns(**hits), ["week"], flags,
                             weight="n")

        digest = hashlib.sha256(book.read_bytes()).hexdigest()[:32]
        t = r.ws.tally("responses", "detractor_codes", (), by_code, {"codebook": digest, "rule": "keyword_codes v1"})
        total = trend_sums(t, [])[list(flags)].sum()
        for i, code in sorted(enumerate(codes), key=lambda x: x[1]):
            n, o = int(total[f"c{i}_rows"]), int(total[f"c{i}_outcomes"])
            if n:
                counts[code] = pd.DataFrame({code: [True, False], "rows": [n, int(total["rows"]) - n],
                                             "outcomes": [o, int(total["outcomes"]) - o]})
    for f in [c for c in r.segments_by if c in columns]:
        t = r.ws.tally("responses", "detractor_levels", (f,),
                       lambda kept, f=f: sum_flags(scored(kept), ["week", f], {"rows": nw.lit(True),
                                                                                  "outcomes": detractor}),
                       {"factor": f})
        t = trend_sums(t, [f])
        if t[f].notna().any():
            counts[f] = t
    return counts


def _detractor_factors_in_engine(r: Review) -> tuple[Any, list[str]]:
    """:func:`detractor_factors` on an engine workspace without a codebook: the comments of the trend weeks' NPS
    answers are collected (bounded by those weeks, ordered by time and id) and themed in Python."""
    a = nw.from_native(r.lazy("responses", "submitted_at"))
    d = a.filter((nw.col("survey") == "nps") & nw.col("week").is_in(list(r.trend)) & ~nw.col("score").is_null())
    d = d.with_columns((nw.col("score") < 7).alias("detractor"))
    columns = d.collect_schema().names()
    factors = _with_values(d, [c for c in r.segments_by if c in columns])
    keep = ["response_id", "submitted_at", "comment", "score", "week", "detractor", *factors]
    small = collect(d.select(*[c for c in dict.fromkeys(keep) if c in columns]))
    small = small.sort_values([c for c in ("submitted_at", "response_id") if c in small.columns], ignore_index=True)
    if small["comment"].fillna("").str.strip().ne("").sum() >= MIN_COMMENTS_FOR_THEMES:
        return _with_theme(small, r.ws, r.seed), ["comment theme", *factors]
    return small, factors


def detractor_drivers(r: Review) -> common.Shown:
    """Section 9: relative risk of a detractor for each factor; the top three significant published as ``driver``."""
    if "nps" not in r.surveys:
        return common.Shown()
    counts = _detractor_counts_in_engine(r) if r.on_engine else None  # 2 x 2 tables counted in the engine
    if counts is not None:
        table = drivers.relative_risk_from_counts(counts, "detractor", r.confidence, min_n=r.min_n)
    else:
        d, factors = _detractor_factors_in_engine(r) if r.on_engine else \
            detractor_factors(r.nps_answers, r.trend, r.segments_by, r.ws, r.seed)
        table = drivers.relative_risk(d, "detractor", factors, confidence=r.confidence, min_n=r.min_n)
    top = table[table["significant"]]
    for row in top.head(3).itertuples():
        findings.publish(f"driver.{row.factor}.{row.level}".rstrip("."), float(row.attributable), kind="driver",
                         label=f"Driver of detractors: {row.factor}{' = ' + row.level if row.level else ''}",
                         text=f"RR {row.rr:.2f} ({row.ci_low:.2f} to {row.ci_high:.2f}); "
                              f"{row.attributable:.0%} of detractors")
    if len(top):
        plots.drivers(top, title="Drivers of detractors (relative risk, significant only)")
    shown = table.head(12)
    rows = f"all {len(table)}" if len(shown) == len(table) else f"the top {len(shown)} of {len(table)}"
    return common.Shown(common.table(
        shown, f"Drivers of detractors, {_trend(r)}: relative risk of a detractor for each factor, largest share of "
               f"detractors first ({rows}; {_interval(r)})",
        absent=common.note("_No factor to test against detractors in {span}._", span=_trend(r))))


def _before_after(r: Review, action: pd.Series) -> pd.DataFrame:
    """The XmR limits of the weekly NPS (of the action's segment) before and after the action was closed."""
    if r.on_engine:  # the boxes by week (and segment): kept per week in the tally store
        columns = nw.from_native(r.ws.lazy("responses")).collect_schema().names()
        col, val = action["segment"].split("=", 1) if isinstance(action["segment"], str) else ("", "")
        if "=" in str(action["segment"]) and col in columns:
            t = r.boxes_by("nps", col)
            t = _summed(t[(t[col] == val) & t["week"].isin(r.trend)], ["week"])
        else:
            t = r.survey_weeks("nps")
            t = t[t["week"].isin(r.trend)]
        wk = _nps_of_tally(t, r, confidence=0.95, method="adjusted-wald", min_n=1)  # metrics.nps's defaults
        return _limits(r, action, wk)
    else:
        part = r.nps_answers
        columns = list(part.columns)
    if isinstance(action["segment"], str) and "=" in action["segment"]:
        col, val = action["segment"].split("=", 1)
        if col in columns:
            part = part[part[col] == val] if isinstance(part, pd.DataFrame) else part.filter(nw.col(col) == val)
    wk = metrics.nps(review.in_weeks(part, r.trend), by="week", min_n=1)
    return _limits(r, action, wk)


def _limits(r: Review, action: pd.Series, wk: pd.DataFrame) -> pd.DataFrame:
    after = periods.iso_week(pd.Series([pd.Timestamp(action["closed_at"])])).iloc[0]
    chart = spc.xmr(wk["nps"], wk["week"], phase=["before" if w <= after else "after" for w in wk["week"]])
    plots.control_chart(chart, spc.signals(chart, r.rules), ylabel="NPS",
                        title=f"{action['action_id']} {action['description']} ({action['segment'] or 'all'}): "
                              "before / after")
    return chart.groupby("phase", sort=False)[["centre", "lcl", "ucl"]].first()


def kaizen_actions(r: Review) -> common.Shown:
    """Section 10: the actions, and for the last NPS action closed, its metric before and after."""
    if "actions" not in r.have:
        return common.Shown(Markdown("_No actions table in this workspace._"))
    actions = r.ws["actions"]
    done = actions[(actions["status"] == "done") & actions["closed_at"].notna() & (actions["metric"] == "nps")]
    limits = None
    if "nps" in r.surveys and len(done):
        last = done.iloc[-1]
        segment = last["segment"] if isinstance(last["segment"], str) and last["segment"] else "all answers"
        limits = common.table(_before_after(r, last),
                              f"NPS by {_per(r)}, XmR control limits before and after action {last['action_id']} "
                              f"({segment}) was closed on {pd.Timestamp(last['closed_at']):%Y-%m-%d}")
    listed = common.table(actions[ACTION_COLUMNS], "Improvement actions: owner, metric, segment, status, due and "
                                                   "closed dates", absent=common.note("_The actions table has no rows._"))
    return common.Shown(listed, limits)


def definitions(r: Review) -> common.Captioned:
    """The definitions appendix: the headline's metrics, then the charts and tests the review uses.

    A captioned table that reads as the DataFrame of :func:`carelib.metrics.definitions.definitions_table`.
    """
    used = [*r.head["metric"], "p_chart", "xmr", "segment_flag", "driver"]
    return common.Captioned(definitions_table(list(dict.fromkeys(used))),
                            "Definitions of the metrics, charts and tests this review uses")


def load_report(r: Review) -> common.Shown:
    """Rows read = rows used + rows set aside, for every table the sections before it read (the workspace's
    :meth:`~carelib.data.tables.Workspace.load_report`), as a captioned table."""
    shown = common.Shown(common.table(
        r.ws.load_report(), "Rows read, kept and set aside, by table (the tables read so far; read = kept + set aside)",
        absent=common.note("_No table of the workspace was read yet._")))
    store = r.ws.tally_report()
    if len(store):  # an engine workspace with week partitions: which weeks were read this run
        shown += common.Shown(common.table(store, f"Weekly tallies: weeks from the tally store (files unchanged "
                                                  f"since they were tallied) and weeks tallied in this run "
                                                  f"({r.ws.path.name}/.carelib/tallies/)"))
    return shown
