"""What every practice notebook does the same way: open the workspace, redact, pick the period, the case.

A notebook cell calls one of these and displays what it returns; the functions here are the one home
of the cells that used to be copied between notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carelib import periods
from carelib.analysis import cases
from carelib.data.engines import with_week_lazy
from carelib.data.importer import REPORT_FILE
from carelib.data.tables import Workspace, load_workspace
from carelib.errors import DataError, ParameterError
from carelib.exports import readable
from carelib.metrics import count_by
from carelib.qual.codebook import load_codebook
from carelib.qual.coding import auto_code
from carelib.report import findings
from carelib.report.html import inline_markdown, md
from carelib.report.tables import Table
from carelib.text.redact import Redactor
from carelib.text.themes import UNASSIGNED, ThemeModel

__all__ = ["Shown", "Captioned", "table", "display_options", "open_workspace", "open_engine_workspace", "redactor", "note", "table_weeks", "table_week_counts", "weeks_of_tables", "week_rows", "resolve_period", "the_case", "code_texts", "DATED",
           "load_report", "import_report", "export_accounting"]

#: The time column of each dated table: what "latest" and the weekly windows read.
DATED = {"responses": "submitted_at", "reviews": "created_at", "complaints": "received_at", "tickets": "created_at"}


class Shown:
    """What a section shows, in order: Markdown, tables, cards. The notebook displays it as its last line.

    ``None`` parts are dropped, so a section can say ``Shown(note, table if ok else None)``.

    Examples
    --------
    >>> s = Shown("a", None, "b")
    >>> len(s.parts)
    2
    """

    def __init__(self, *parts: Any) -> None:
        self.parts = [p for p in parts if p is not None]

    def __add__(self, other: Shown) -> Shown:
        return Shown(*self.parts, *other.parts)

    def __repr__(self) -> str:
        return f"Shown({len(self.parts)} parts)"

    def _ipython_display_(self) -> None:
        from IPython.display import Markdown, display

        parts = list(self.parts)
        i = 0
        while i < len(parts):
            part, following = parts[i], parts[i + 1] if i + 1 < len(parts) else None
            table_next = isinstance(following, pd.DataFrame) or (
                isinstance(following, Table) and not (following.caption or following.caption_html))
            if isinstance(part, Markdown) and table_next and _caption_like(part.data):
                table = following if isinstance(following, Table) else Table(following)
                table.caption_html = inline_markdown(part.data)  # the note says what the table is
                display(table)
                i += 2
                continue
            display(Table(part) if isinstance(part, pd.DataFrame) else part)
            i += 1


class Captioned(Table):
    """A table a section shows, with the caption that says what it is, that still reads as its DataFrame.

    The notebook shows the :class:`~carelib.report.tables.Table`; code that looks into what a section
    shows reads the frame as before: ``t["n"]``, ``t.columns``, ``t.iloc``, ``len(t)`` and every other public
    DataFrame attribute are the frame's (``t.frame`` is the frame itself).

    Examples
    --------
    >>> t = Captioned(pd.DataFrame({"team": ["A", "B"], "n": [3, 4]}), "Tickets by team")
    >>> t["n"].tolist(), len(t), list(t.columns), t.caption
    ([3, 4], 2, ['team', 'n'], 'Tickets by team')
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "frame":  # display hooks (_repr_*_) stay the Table's, never the frame's
            raise AttributeError(name)
        return getattr(self.frame, name)

    def __getitem__(self, key: Any) -> Any:
        return self.frame[key]

    def __iter__(self) -> Any:
        return iter(self.frame)

    def __contains__(self, key: Any) -> bool:
        return key in self.frame

    def __len__(self) -> int:
        return len(self.frame)


def table(frame: pd.DataFrame, caption: str, *, absent: Any = None, **options: Any) -> Any:
    """``frame`` with its caption (:class:`Captioned`), or, when it has no row, the sentence ``absent`` instead.

    An empty table is never shown: ``absent`` (a :func:`note`) says what is not there; without one, a sentence
    is made from the caption.

    Parameters
    ----------
    frame : DataFrame
        The table; not changed.
    caption : str
        What the table is (plain text, escaped when shown), with its period, segment and units.
    absent : Markdown, optional
        What the section shows instead when ``frame`` has no row.
    **options
        Passed to :class:`~carelib.report.tables.Table` (``shares``, ``highlight``, ``notes`` …).

    Returns
    -------
    Captioned or Markdown

    Examples
    --------
    >>> table(pd.DataFrame({"n": [1]}), "Answers").caption
    'Answers'
    >>> table(pd.DataFrame({"n": []}), "Signals").data
    '_Signals: none._'
    """
    if len(frame) == 0:
        return absent if absent is not None else note("_{what}: none._", what=caption)
    return Captioned(frame, caption, **options)


def _caption_like(text: str | None) -> bool:
    """A short one-paragraph note right before a table is that table's caption."""
    return bool(text) and "\n\n" not in text.strip() and len(text) <= 240 and not text.lstrip().startswith(("#", "-", ">"))


def display_options(*, decimals: int = 3, max_colwidth: int = 120, max_columns: int = 20, width: int = 160) -> None:
    """Fixed display precision and widths for a notebook's tables (stored outputs must not drift).

    Parameters
    ----------
    decimals : int
        Decimals of every float pandas shows (with thousands separators).
    max_colwidth, max_columns, width : int
        pandas' ``display.max_colwidth``, ``display.max_columns`` and ``display.width``.

    Returns
    -------
    None
        The options are set for the rest of the notebook's kernel.
    """
    pd.set_option("display.float_format", ("{:,.%sf}".replace("%s", str(decimals))).format)
    pd.set_option("display.max_colwidth", max_colwidth)
    pd.set_option("display.max_columns", max_columns)
    pd.set_option("display.width", width)
    _use_table_renderer()


def _use_table_renderer() -> None:
    """Every DataFrame a notebook displays goes through the one table renderer (:mod:`carelib.report.tables`)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(pd.DataFrame, lambda frame: Table(frame).html())
    formatters["text/plain"].for_type(pd.DataFrame, lambda frame, p, cycle: p.text(Table(frame).text()))
    formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", _png_with_alt)


def _png_with_alt(fig: Any) -> tuple[bytes, dict[str, str]]:
    """A chart as PNG with its alt text (titles, axes and the range of each series) for screen readers."""
    from IPython.core.pylabtools import print_figure

    from carelib.report.plots import describe

    return print_figure(fig, "png", bbox_inches="tight"), {"alt": describe(fig)}


def note(template: str, **values: Any) -> Any:
    """A Markdown paragraph built from data (every value escaped, see :func:`carelib.report.html.md`)."""
    from IPython.display import Markdown

    return Markdown(md(template, **values))


def open_workspace(data_dir: str, *, today: periods.TodayLike = None) -> Workspace:
    """The workspace a notebook reads: rows that break a contract are set aside and counted, not fatal."""
    return load_workspace(data_dir, errors="exclude", today=today)


def open_engine_workspace(data_dir: str, *, today: periods.TodayLike = None, engine: str = "auto",
                          tally_store: bool = True) -> Workspace:
    """:func:`open_workspace` on an engine, with its tally store.

    Parameters
    ----------
    data_dir : str
        The workspace folder.
    today : str, date or Timestamp, optional
        The run's today (default ``$CARELIB_TODAY``, else the clock).
    engine : {"auto", "duckdb", "pandas", "spark"}
        ``auto``: DuckDB for folders of Parquet parts and large workspaces, pandas otherwise.
    tally_store : bool
        On an engine, keep per-week tallies in ``WORKSPACE/.carelib/tallies/``
        (:class:`carelib.analysis.tallies.TallyStore`), set before any table is read so the validation counts are
        kept per week too.

    Returns
    -------
    Workspace
    """
    ws = load_workspace(data_dir, errors="exclude", today=today, engine=engine)
    if tally_store and ws.engine != "pandas":
        from carelib.analysis.tallies import TallyStore

        ws.tally_store = TallyStore(ws.path)
    return ws


def load_report(ws: Workspace, *, rows: int = 10) -> Shown:
    """Rows in = rows kept + rows set aside, for every table read so far, and why rows were set aside.

    A section that reads a table later adds to the workspace's report; this shows what was read when it is
    called (after :func:`open_review`, the tables the review itself reads). The first ``rows`` rows set aside are
    listed with file, row, column and reason; the value found is redacted and cut (it may be a customer's text).

    Parameters
    ----------
    ws : Workspace
        The workspace the review opened.
    rows : int
        Rows set aside to list.

    Returns
    -------
    Shown
    """
    report = ws.load_report()
    if report.empty:
        return Shown(note("_No table of the workspace was read here._"))
    return export_accounting(ws.path, report["table"]) + _loaded(ws, report, rows)


def _loaded(ws: Workspace, report: pd.DataFrame, rows: int) -> Shown:
    table = report.rename(columns={"rows_read": "rows read", "rows_kept": "rows used", "rows_excluded": "set aside"})
    said = note("**Rows read = rows used + rows set aside:** {n} read, {k} used, {x} set aside.",
                n=f"{int(report['rows_read'].sum()):,}", k=f"{int(report['rows_kept'].sum()):,}",
                x=f"{int(report['rows_excluded'].sum()):,}")
    excluded = ws.exclusions()
    if excluded.empty:
        return Shown(said, table)
    reasons = (excluded.groupby(["source", "reason"]).size().rename("rows").reset_index()
               .sort_values(["source", "rows"], ascending=[True, False], ignore_index=True))
    first = readable(excluded.head(rows), ["found"], redactor(ws).redact, max_chars=40)
    return Shown(said, table, note("**Set aside, by reason**"), reasons,
                 Captioned(first, f"The first {len(first):,} of {len(excluded):,} rows set aside: file, row, column "
                                  "and why (the value found redacted, cut to 40 characters)"))


def export_accounting(folder: str | Path, tables: Iterable[str] | None = None) -> Shown:
    """What ``carelib import`` made of the export (:func:`import_report`), for ``tables`` (default all), as a
    sentence and a table; nothing for a workspace that was not imported."""
    imported = import_report(folder)
    if imported is not None and tables is not None:
        imported = imported[imported["table"].isin(list(tables))]
    if imported is None or imported.empty:
        return Shown()
    return Shown(note("**From the export** (`carelib import`): rows in the export = rows written + rows set aside."),
                 imported)


def import_report(folder: str | Path) -> pd.DataFrame | None:
    r"""What ``carelib import`` made of the export, per table: rows in the export = rows written + rows set aside,
    with the reasons (``WORKSPACE/import/report.csv``); None for a workspace that was not imported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ws = pathlib.Path(tempfile.mkdtemp()); (ws / "import").mkdir()
    >>> _ = (ws / "import" / "report.csv").write_text(
    ...     "table,source,rows_in,rows_written,reason,rows\n"
    ...     "responses,x.csv,10,7,written,7\nresponses,x.csv,10,7,set aside: empty answer,3\n")
    >>> import_report(ws).values.tolist()
    [['responses', 'x.csv', 10, 7, 3, 'empty answer 3']]
    """
    path = Path(folder) / REPORT_FILE
    if not path.is_file():
        return None
    rows = pd.read_csv(path, dtype={"table": str, "source": str, "reason": str})
    expected = ["table", "source", "rows_in", "rows_written", "reason", "rows"]
    if missing := [c for c in expected if c not in rows.columns]:
        raise DataError(f"{path.parent.name}/{path.name}: expected the columns {', '.join(expected)} that carelib "
                        f"import writes; found no {', '.join(missing)} (run carelib import again)")
    out = []
    for (table, source), g in rows.groupby(["table", "source"], sort=False):
        aside = g[g["reason"].str.startswith("set aside")]
        reasons = "; ".join(f"{r.removeprefix('set aside: ')} {n:,}" for r, n in zip(aside["reason"], aside["rows"],
                                                                                   strict=True))
        out.append({"table": table, "export": source, "rows in the export": int(g["rows_in"].iloc[0]),
                    "written": int(g["rows_written"].iloc[0]), "set aside": int(aside["rows"].sum()),
                    "why set aside": reasons or "–"})
    return pd.DataFrame(out)


def redactor(ws: Workspace | Iterable[str] | Mapping[str, str] | None, *, greetings: bool = True) -> Redactor:
    """The redactor of a workspace: its customers' names become pseudonyms, personal numbers their kind.

    Parameters
    ----------
    ws : Workspace, iterable of names, mapping of name to pseudonym, or None
        A workspace (its ``customers.name`` is the roster, and :meth:`Workspace.identifiers` the ids of people
        that are replaced where a text mentions them), or the roster itself.
    greetings : bool
        Also replace the capitalised word after a greeting (for names no roster knows).

    Returns
    -------
    Redactor
    """
    if isinstance(ws, Mapping):  # name → pseudonym (participant ids, say): kept as given
        return Redactor(dict(ws) or None, greetings=greetings)
    if isinstance(ws, Workspace):  # its names, and its own ids of people (usernames, customer ids) in the text
        def build() -> Redactor:
            # the columns alone, through the engine; each name once (the roster's order, so the same pseudonyms)
            names = ws.names(distinct=True)
            ids = ws.identifier_array()  # sorted, each once: pseudonyms that hold from run to run
            return Redactor(names or None, greetings=greetings, identifiers=ids if len(ids) else None)

        from carelib.analysis.roster_cache import cached_redactor

        return cached_redactor(ws, build, {"greetings": greetings})  # kept between runs beside the tally store
    return Redactor(list(ws or []) or None, greetings=greetings)


def table_weeks(ws: Workspace, tables: Iterable[str] | None = None) -> dict[str, pd.Series]:
    """ISO week of every row of each dated table present (``DATED``), by table name."""
    wanted = DATED if tables is None else {t: DATED[t] for t in tables}
    return {t: periods.week_of(ws[t], c) for t, c in wanted.items() if ws.has(t)}


def table_week_counts(ws: Workspace, tables: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Rows per ISO week of each dated table present (``DATED``), counted in the workspace's engine.

    The counted form of :func:`table_weeks` (``week, rows``; a missing week counts the undated rows): on DuckDB or
    Spark only the weeks come back, never a table's rows.
    """
    wanted = DATED if tables is None else {t: DATED[t] for t in tables}
    return {t: _week_counts(ws, t, c) for t, c in wanted.items() if ws.has(t)}


def weeks_of_tables(ws: Workspace, tables: Iterable[str] | None = None) -> dict[str, pd.Series]:
    """The ISO weeks of each dated table present, as :func:`resolve_period` takes them: every row's week on pandas
    (:func:`table_weeks`), the weeks counted in the engine otherwise (:func:`table_week_counts`: no table comes back
    whole)."""
    if ws.engine == "pandas":
        return table_weeks(ws, tables)
    return {t: c["week"] for t, c in table_week_counts(ws, tables).items()}


def week_rows(ws: Workspace, table: str, column: str, by: Iterable[str] = ()) -> pd.DataFrame:
    """Rows of ``table`` with a date in ``column``, by ISO week (and ``by``), counted in the workspace's engine: one
    tally, kept per week in the tally store when there is one (the overview and the metric review share it).

    Parameters
    ----------
    ws : Workspace
        The workspace.
    table, column : str
        The table and its date column.
    by : iterable of str
        Columns counted by too.

    Returns
    -------
    DataFrame
        ``week``, the ``by`` columns and ``rows``.
    """
    keys = list(by)

    def compute(kept: Any) -> pd.DataFrame:
        return count_by(with_week_lazy(kept, column, dated=True), ["week", *keys], "rows")

    return ws.tally(table, "rows", tuple(keys), compute, {"date": column})


def _week_counts(ws: Workspace, table: str, column: str) -> pd.DataFrame:
    """Rows per ISO week of ``column`` (undated rows under a missing week); through the workspace's tally store when
    it keeps ``table``'s weeks (the dated rows per week; the undated ones are the rows kept less those)."""
    if ws.weeks(table) is None:
        return count_by(with_week_lazy(ws.lazy(table), column), "week", "rows")
    dated = week_rows(ws, table, column)[["week", "rows"]]
    undated = ws.rows_kept(table) - int(dated["rows"].sum())
    return pd.concat([dated, pd.DataFrame({"week": [None], "rows": [undated]})], ignore_index=True) if undated \
        else dated.reset_index(drop=True)


def table_waves(ws: Workspace, tables: Iterable[str] | None = None) -> dict[str, pd.Series]:
    """Wave (year or month, :func:`carelib.periods.wave_of`) of every row of each dated table present."""
    wanted = DATED if tables is None else {t: DATED[t] for t in tables}
    return {t: periods.wave_of(ws[t], c) for t, c in wanted.items() if ws.has(t)}


def resolve_period(period: str, weeks: dict[str, pd.Series] | Iterable[pd.Series]) -> str:
    """``period`` itself, or for ``"latest"`` the latest ISO week any of ``weeks`` holds.

    Examples
    --------
    >>> resolve_period("2026-W47", {})
    '2026-W47'
    >>> resolve_period("latest", [pd.Series(["2026-W01", "2026-W03"]), pd.Series(["2026-W02"])])
    '2026-W03'
    """
    if period != "latest":
        periods.parse_week(period)
        return period
    series = list(weeks.values()) if isinstance(weeks, dict) else list(weeks)
    known = pd.concat([s.dropna().astype(str) for s in series], ignore_index=True) if series else pd.Series([], dtype=str)
    if known.empty:
        raise ParameterError('period "latest": the workspace has no dated rows; give an ISO week such as 2026-W47')
    return str(known.max())


def the_case(ws: Workspace, period: str, *, weeks: int = 4, seed: int | None = 0,
             redact: Callable[[str], str] | None = None) -> Shown:
    """The one customer a review opens with (redacted), published as the ``case`` finding.

    Parameters
    ----------
    ws : Workspace
        Needs complaints, tickets and messages (recoveries when present); without them the section says so.
    period : str
        Last ISO week of the window the case comes from.
    weeks : int
        Weeks in that window.
    seed : int or None
        Seed of the pick among the candidates.
    redact : callable, optional
        Redaction of every text on the card; default the workspace's :func:`redactor`.

    Returns
    -------
    Shown
        The case card, or a sentence when the workspace cannot give one.
    """
    from IPython.display import HTML, Markdown

    if not all(ws.has(t) for t in ("complaints", "tickets", "messages")):
        return Shown(Markdown("_No complaints, tickets and messages in this workspace: no case to open with._"))
    if ws.engine != "pandas":  # counted and filtered in the engine: only the picked customer's rows come back
        case = cases.pick_case_lazy(ws.lazy("complaints"), ws.lazy("tickets"), ws.lazy("messages"), period,
                                    weeks=weeks, seed=seed,
                                    recoveries=ws.lazy("recoveries") if ws.has("recoveries") else None)
    else:
        case = cases.pick_case(ws["complaints"], ws["tickets"], ws["messages"], period, weeks=weeks, seed=seed,
                               recoveries=ws["recoveries"] if ws.has("recoveries") else None)
    card = cases.case_card(case, redact=redact or redactor(ws).redact)
    findings.publish("case", case.theme, label="The case", text=card.text.removeprefix("Case: "), kind="case",
                     words=card.words, why=card.why, outcome=card.outcome)
    return Shown(HTML(card.html))


def code_texts(texts: pd.DataFrame, ws: Workspace, *, text: str = "text", id: str = "text_id",
               threshold: float | None = None, seed: int | None = 0, k_range: tuple[int, int] = (4, 12),
               redact: Callable[[str], str] | None = None) -> tuple[pd.DataFrame, str]:
    """Codes for each text: the workspace's codebook when it has one, else themes found in the texts.

    Parameters
    ----------
    texts : DataFrame
        One row per text, with columns ``text`` and ``id``.
    ws : Workspace
        Its ``codebook.yml``, when present, codes the texts (:func:`carelib.qual.coding.auto_code`).
    text, id : str
        Column names of the text and of its unique id.
    threshold : float, optional
        Coding threshold (the codebook's default when None).
    seed : int or None
        Seed of theme discovery.
    k_range : (int, int)
        Range of theme counts tried when there is no codebook.
    redact : callable, optional
        Applied to every text before themes are found (a name or number never becomes a label);
        default the workspace's :func:`redactor`.

    Returns
    -------
    (DataFrame, str)
        Codings (``id``, ``code``, ``confidence``; one row per text and code) and where the codes
        came from (``"the codebook"`` or ``"themes found in the texts (no codebook)"``).
    """
    book = ws.optional("codebook.yml")
    if book is not None:
        return auto_code(texts, load_codebook(book), text=text, id=id, threshold=threshold), "the codebook"
    clean = texts[text].map(redact or redactor(ws).redact)
    model = ThemeModel(k_range=k_range, seed=seed).fit(clean)
    # a text with no content (a non-answer, only a redacted name) is in no theme (label -1): it gets no code
    themed = model.labels_ != UNASSIGNED
    coded = pd.DataFrame({id: texts[id].to_numpy()[themed],
                          "code": model.themes_["label"].loc[model.labels_[themed]].to_numpy(),
                          "confidence": 1 - np.asarray(model.distances_)[themed]})
    return coded, "themes found in the texts (no codebook)"
