"""Load and validate workspace tables against their contracts.

Loading is two vectorised steps. (1) **Parse**: each contract column is converted to
its type (ids and text to strings, numbers, ISO-8601 timestamps, booleans); a cell that
is not empty but cannot be converted is a problem. (2) **Validate**: the typed frame is
checked against the rules of :mod:`carelib.data.contracts` as vectorised pandas
expressions (required columns, empty cells, allowed values, ranges, unique ids, score
within its survey's scale); the DuckDB and Spark paths check the same rules as queries
(:mod:`carelib.data.engines`).

Every problem names the file, the row (as a spreadsheet shows it: in a CSV file the
header is row 1, so the first record is row 2; in Parquet and JSON Lines the first
record is row 1), the column, what was expected and what was found.

What cannot be trusted is refused, never read as something else: a file that is not UTF-8,
a repeated header name, a row with fewer or more fields than the header
(:mod:`carelib.data.table_files`); a true/false or fractional value in an integer column (``9.0``
is read as 9); a date of an event later than the run's today plus two days
(:func:`carelib.periods.future_limit`; today is injectable, so a run can be repeated).
Table files are found without regard to the case of their names.

Dates are ISO 8601 (:func:`carelib.periods.parse_dates`). A year (``2012``) or a year-month
(``2012-08``) is kept with its precision: the column holds the first instant of the period and a
companion column ``<column>_precision`` (``year``, ``month``, ``day``, ``time``) is added whenever
a cell of the column is partial (absent otherwise). A file may bring that column itself (a
Parquet export with 2012-01-01 and ``year``): a stated precision is kept when the date is the
first instant of that period, and is a problem when it contradicts the date. Other date formats
(``03/15/2020``) are problems that point to ``carelib import``: ambiguity is never resolved here.

With ``errors="raise"`` (the default) any problem raises one :class:`DataError`
listing them all. With ``errors="exclude"`` rows with problems are set aside, the
rest are kept, and the :class:`LoadReport` counts rows read = rows kept + rows
excluded, by reason. A missing required column always raises (with the other problems
found in the columns that are there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from carelib.data import engines
from carelib.data.contracts import CONTRACTS, Col, TableSpec, contract
from carelib.data.table_files import (
    TABLE_SUFFIXES,
    parse_column,
    parse_date_column,
    present,
    read_raw,
)
from carelib.errors import DataError, ParameterError
from carelib.periods import (
    FUTURE_TOLERANCE,
    PARTIAL,
    PRECISIONS,
    TodayLike,
    future_limit,
    precision_column,
    stated_precision,
    week_bounds,
    week_of,
)
from carelib.periods import today as run_today
from carelib.scales import SCORE_SCALES

__all__ = [
    "LoadReport",
    "Loaded",
    "Workspace",
    "load_table",
    "load_workspace",
    "TABLE_SUFFIXES",
]

MAX_LISTED = 50  # problems spelled out in an exception message; all are in .problems
MAX_COLUMNS_SHOWN = 12  # columns named when one is missing (survey exports have hundreds)

Errors = Literal["raise", "exclude"]

_EXPECTED = {
    "id": "an identifier",
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "datetime": ("an ISO 8601 date or timestamp (e.g. 2026-05-18 08:14:00, or a year 2012, or a month 2012-08; "
                 "for other formats such as 03/15/2020 use `carelib import` with a date format)"),
    "bool": "true or false",
    "category": "one of the allowed values",
}


@dataclass(frozen=True)
class LoadReport:
    """What loading one table did: rows read, kept and excluded, with the reasons."""

    table: str
    source: str
    rows_read: int
    rows_kept: int
    exclusions: pd.DataFrame = field(repr=False)
    reasons: pd.DataFrame | None = field(default=None, repr=False)  # counted in an engine (exclusions: a sample)

    @property
    def rows_excluded(self) -> int:
        return self.rows_read - self.rows_kept

    def by_reason(self) -> pd.DataFrame:
        """Excluded rows counted by reason (a row with two problems counts under its first)."""
        if self.reasons is not None:
            return self.reasons.copy()
        if self.exclusions.empty:
            return pd.DataFrame({"reason": pd.Series(dtype=str), "rows": pd.Series(dtype=int)})
        first = self.exclusions.drop_duplicates("row")
        out = first.groupby("reason").size().rename("rows").reset_index()
        return out.sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row: table, source, rows read, kept, excluded."""
        return pd.DataFrame(
            [
                {
                    "table": self.table,
                    "source": self.source,
                    "rows_read": self.rows_read,
                    "rows_kept": self.rows_kept,
                    "rows_excluded": self.rows_excluded,
                }
            ]
        )


class Loaded(NamedTuple):
    """A loaded table and its report; unpack as ``data, report = load_table(...)``."""

    data: pd.DataFrame
    report: LoadReport


def _failures(data: pd.DataFrame, spec: TableSpec) -> list[tuple[int, str, str]]:
    """``(position, column, check)`` of every cell that breaks a rule of its contract column.

    The rules, vectorised: the frame's score-in-scale check (its column is ``score``), then per contract
    column present: ``field_uniqueness`` (every occurrence of a repeated non-empty value), ``not_nullable``,
    an allowed value, ``>= min``, ``<= max`` (the check is named by what it expected; empty cells pass
    these three: they are the nullable rule's).
    """
    found: list[tuple[int, str, str]] = []
    if "score_in_scale" in spec.checks and "score" in data.columns:
        found += [(int(i), "score", "score_in_scale") for i in np.flatnonzero(~_score_in_scale(data).to_numpy())]
    for c in spec.columns:
        if c.name not in data.columns:
            continue
        values = data[c.name]
        null = values.isna().to_numpy()
        rules = []
        if c.unique:
            rules.append(("field_uniqueness", ~null & values.duplicated(keep=False).to_numpy()))
        if not c.nullable:
            rules.append(("not_nullable", null))
        if c.allowed is not None:
            rules.append((f"one of {', '.join(c.allowed)}", ~null & ~values.isin(list(c.allowed)).to_numpy()))
        if c.min is not None:
            rules.append((f"a value >= {c.min:g}", ~null & ~(values >= c.min).fillna(True).to_numpy(dtype=bool)))
        if c.max is not None:
            rules.append((f"a value <= {c.max:g}", ~null & ~(values <= c.max).fillna(True).to_numpy(dtype=bool)))
        found += [(int(i), c.name, check) for check, bad in rules for i in np.flatnonzero(bad)]
    return found


_ANY_SCALE = (min(lo for lo, _ in SCORE_SCALES.values()), max(hi for _, hi in SCORE_SCALES.values()))


def _score_in_scale(df: pd.DataFrame) -> pd.Series:
    """Score within its survey's scale; without a survey column, within the widest scale."""
    if "survey" in df.columns:
        lo = df["survey"].map({k: v[0] for k, v in SCORE_SCALES.items()}).astype(float)
        hi = df["survey"].map({k: v[1] for k, v in SCORE_SCALES.items()}).astype(float)
    else:
        lo = pd.Series(float(_ANY_SCALE[0]), index=df.index)
        hi = pd.Series(float(_ANY_SCALE[1]), index=df.index)
    score = df["score"].astype(float)
    # a score needs its survey kind (the scale says what it means); an unknown kind is refused by `allowed`
    known = df["survey"].isin(list(SCORE_SCALES)) if "survey" in df.columns else pd.Series(True, index=df.index)
    ok = score.isna() | ((score >= lo) & (score <= hi))
    if "survey" in df.columns:
        ok = ok | (df["survey"].notna() & ~known)  # reported once, by the allowed-values check
    return ok.fillna(False).astype(bool)


def _scale_text(survey: object) -> str:
    if survey is None or (isinstance(survey, float) and survey != survey):
        return f"no score without a survey kind ({', '.join(SCORE_SCALES)})"
    lo, hi = SCORE_SCALES.get(str(survey), (None, None))
    return f"an integer {lo}-{hi} (survey {survey!r})" if lo is not None else "a score on its survey's scale"


def _describe(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "an empty cell"
    if isinstance(value, pd.Timestamp):
        return str(value)
    return repr(value.item() if hasattr(value, "item") else value)


def _problem_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["row", "column", "reason", "expected", "found"]
    return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)


def _expected(spec: TableSpec, col: Col, data: pd.DataFrame, pos: int) -> str:
    """What a cell of ``col`` should hold; a score names its survey's scale."""
    if col.name == "score" and "score_in_scale" in spec.checks:
        if "survey" in data.columns:
            return _scale_text(data["survey"].iloc[pos])
        return f"an integer {_ANY_SCALE[0]}-{_ANY_SCALE[1]} (no survey column: the widest scale)"
    return _EXPECTED[col.kind]


def _found(value: object, col: Col) -> str:
    text = _describe(value)
    if col.kind in ("int", "float") and isinstance(value, bool | np.bool_):
        text += " (a yes/no value, not a number)"
    return text


def _parse(raw: pd.DataFrame, spec: TableSpec, first_row: int, limit: pd.Timestamp) -> tuple[pd.DataFrame, list[dict]]:
    data = raw.copy()
    problems: list[dict] = []
    for col in spec.columns:
        if col.name not in data.columns:
            continue
        if col.kind == "datetime":
            typed, read = parse_date_column(raw[col.name])
            bad = present(raw[col.name]) & typed.isna()
        else:
            typed, bad = parse_column(raw[col.name], col)
        data[col.name] = typed
        for idx in np.flatnonzero(bad.to_numpy()):
            problems.append(
                {
                    "row": int(idx) + first_row,
                    "column": col.name,
                    "reason": f"not {col.kind}",
                    "expected": _expected(spec, col, data, idx),
                    "found": _found(raw[col.name].iloc[idx], col),
                }
            )
        if col.kind == "datetime":
            problems += _precision(raw, data, col, first_row, typed, read)
        if col.kind == "datetime" and not col.future:
            problems += _future(raw, typed, col, first_row, limit)
    return data, problems


def _precision(raw: pd.DataFrame, data: pd.DataFrame, col: Col, first_row: int, typed: pd.Series,
               read: pd.Series) -> list[dict]:
    """Add ``<col>_precision`` when a date is partial or the file states precisions; list contradictions."""
    name = precision_column(col.name)
    bad = pd.Series(False, index=raw.index)
    if name in raw.columns:
        read, bad = stated_precision(raw[name], typed, read)
        data[name] = read
    elif read.isin(PARTIAL).any():
        data.insert(data.columns.get_loc(col.name) + 1, name, read)
    return [{"row": int(i) + first_row, "column": name, "reason": "precision contradicts the date",
             "expected": f"one of {', '.join(PRECISIONS)}, no finer than the date and with the date at the start of "
                         "that period (2012-01-01 for a year)",
             "found": f"{_describe(raw[name].iloc[i])} for {_describe(raw[col.name].iloc[i])}"}
            for i in np.flatnonzero(bad.to_numpy())]


def _future(raw: pd.DataFrame, typed: pd.Series, col: Col, first_row: int, limit: pd.Timestamp) -> list[dict]:
    """Events dated after ``limit`` (today plus the tolerance) cannot have happened yet."""
    late = (typed.notna() & (typed > limit)).to_numpy()
    today = limit - FUTURE_TOLERANCE
    expected = (f"a date no later than {limit:%Y-%m-%d %H:%M} (today, {today:%Y-%m-%d %H:%M} UTC, "
                f"plus {FUTURE_TOLERANCE.days} days)")
    return [{"row": int(i) + first_row, "column": col.name, "reason": "date in the future", "expected": expected,
             "found": _describe(raw[col.name].iloc[i])} for i in np.flatnonzero(late)]


def _validate(data: pd.DataFrame, raw: pd.DataFrame, spec: TableSpec, first_row: int, parsed_bad: set) -> list[dict]:
    problems = []
    for pos, column, check in _failures(data, spec):
        if check == "score_in_scale":
            reason, expected = "score outside its scale", _expected(spec, spec.col("score"), data, pos)
        elif check == "not_nullable":
            if (pos + first_row, column) in parsed_bad:
                continue  # already reported as unparseable
            expected, reason = _EXPECTED[spec.col(column).kind], "empty required cell"
        elif check == "field_uniqueness":
            expected, reason = "a unique id", "duplicate id"
        else:
            expected, reason = check, "value not allowed"
        found = raw[column].iloc[pos] if column in raw.columns else data[column].iloc[pos]
        problems.append(
            {"row": pos + first_row, "column": column, "reason": reason, "expected": expected, "found": _describe(found)}
        )
    return problems


def _missing_columns(raw: pd.DataFrame, spec: TableSpec) -> list[dict]:
    """Required columns absent from the header, as problems on row 1 (the header)."""
    names = [str(c) for c in raw.columns]
    short = [n if len(n) <= 40 else n[:37] + "..." for n in names[:MAX_COLUMNS_SHOWN]]  # survey questions are long
    shown = ", ".join(short) + (", ..." if len(names) > MAX_COLUMNS_SHOWN else "")
    found = f"no such column ({len(names)} columns: {shown})" if names else "no columns"
    return [
        {"row": 1, "column": c.name, "reason": "missing column",
         "expected": f"a column named {c.name!r} ({c.description})", "found": found + _near(c.name, names)}
        for c in spec.columns
        if c.required and c.name not in raw.columns
    ]


def _near(name: str, names: list[str]) -> str:
    """A hint when a column of another case or spacing is there (``Rating`` for ``rating``)."""
    key = name.replace("_", " ")
    for other in names:
        if other.strip().lower().replace("_", " ") == key:
            return f"; {other!r} differs only in case or spacing: rename it {name!r}"
    return ""


def format_problem(source: str, p: dict) -> str:
    """One line: ``file row N, column 'c': expected X, found Y`` (no column for a problem of the whole row)."""
    column = p.get("column")
    where = f", column {column!r}" if isinstance(column, str) else ""
    return f"{source} row {p['row']}{where}: expected {p['expected']}, found {p['found']}"


def _duplicates_to_keep_first(problems: list[dict], data: pd.DataFrame, spec: TableSpec, first_row: int) -> list[dict]:
    """With errors='exclude' the first occurrence of a duplicated id is kept."""
    out = []
    for p in problems:
        if p["reason"] == "duplicate id":
            col = data[p["column"]]
            pos = p["row"] - first_row
            if not col.iloc[:pos].eq(col.iloc[pos]).any():
                continue
        out.append(p)
    return out


def load_table(path: str | Path, kind: str | None = None, *, errors: Errors = "raise",
               today: TodayLike = None) -> Loaded:
    """Load one table file and validate it against its contract.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet`` or ``.jsonl`` file.
    kind : str, optional
        The contract to apply (``responses``, ``tickets`` ...); defaults to the file's stem
        (in lower case: ``Responses.CSV`` is the responses table).
    errors : {"raise", "exclude"}
        ``raise``: any problem raises :class:`DataError` listing every problem.
        ``exclude``: rows with problems are set aside and counted in the report.
        A missing column, a repeated header name or a file that is not UTF-8 always raises.
    today : str, date or Timestamp, optional
        The run's today (see :func:`carelib.periods.today`): dates of events later than
        today plus two days are problems ("date in the future"). Default: ``$CARELIB_TODAY``,
        else the clock.

    Returns
    -------
    Loaded
        ``(data, report)``: the typed frame (contract columns converted, other columns
        kept as read, original row order) and its :class:`LoadReport`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "responses.csv").write_text(
    ...     "response_id,submitted_at,survey,score\\n1,2026-05-18,nps,9\\n2,2026-05-18,nps,eleven\\n")
    >>> data, report = load_table(d / "responses.csv", errors="exclude")
    >>> report.rows_read, report.rows_kept, report.exclusions.loc[0, "reason"]
    (2, 1, 'not int')
    """
    path = Path(path)
    if errors not in ("raise", "exclude"):
        raise ParameterError(f"errors must be 'raise' or 'exclude', got {errors!r}")
    spec = contract(kind or path.stem.lower())
    limit = future_limit(today)
    if not path.exists():
        raise DataError(f"{path.name}: file not found in {path.parent.name or '.'}")
    raw, first_row, unreadable = read_raw(path)
    missing = _missing_columns(raw, spec)
    data, problems = _parse(raw, spec, first_row, limit)
    parsed_bad = {(p["row"], p["column"]) for p in problems}
    problems += _validate(data, raw, spec, first_row, parsed_bad)
    ragged = {p["row"] for p in unreadable}  # its cells are not where the header says: one problem for the row
    problems = [p for p in problems if p["row"] not in ragged] + unreadable
    # a frame-wide check reports a failing row once per column: keep one line per problem
    problems = list({(p["row"], p["column"], p["reason"]): p for p in problems}.values())
    problems.sort(key=lambda p: (p["row"], str(p["column"])))
    if errors == "exclude" and not missing:
        problems = _duplicates_to_keep_first(problems, data, spec, first_row)
    problems = missing + problems
    table = _problem_frame(problems)
    if problems and (errors == "raise" or missing):
        lines = [format_problem(path.name, p) for p in problems]
        shown = lines[:MAX_LISTED]
        more = f"\n... and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
        raise DataError(
            f"{path.name}: {len(lines)} problem(s) in {len(raw)} rows"
            + (" (a required column is missing: rows cannot be kept)" if missing else "")
            + "\n" + "\n".join(shown) + more,
            problems=lines,
        )
    bad_rows = set(table["row"]) if problems else set()
    keep = ~pd.Series(np.arange(len(data)) + first_row).isin(bad_rows).to_numpy()
    kept = data.loc[keep].reset_index(drop=True)
    report = LoadReport(spec.name, path.name, len(raw), len(kept), table)
    return Loaded(kept, report)


class Workspace:
    """A folder of tidy tables: find, load (once) and account for them.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    errors : {"raise", "exclude"}
        Passed to :func:`load_table` for every table.
    today : str, date or Timestamp, optional
        The run's today, fixed when the workspace is opened (see :func:`carelib.periods.today`):
        rows dated later than today plus two days are problems, so ``period="latest"`` never
        follows them. Default: ``$CARELIB_TODAY``, else the clock.

    engine : {"pandas", "duckdb", "spark", "auto"}
        Where tables are read and validated (:mod:`carelib.data.engines`): ``pandas`` loads each
        table into memory; ``duckdb`` and ``spark`` keep it in the engine (:meth:`lazy`), validated
        by queries; ``auto`` picks DuckDB for folders of Parquet parts and large workspaces, pandas for small ones.
    tally_store : TallyStore, optional
        On an engine, where per-week tallies of week-partitioned tables are kept between runs (the
        validation counts, and those asked for with :meth:`tally`): an object with the ``tally``
        method of :class:`carelib.analysis.tallies.TallyStore` (kept in ``FOLDER/.carelib/tallies/``).
        A re-run then reads only the weeks whose files changed; None reads every week every time.
        The numbers are the same.

    Table files are ``<table>.csv|.parquet|.jsonl``, matched without regard to case
    (``Responses.CSV``); two files for one table are an error naming both. On an engine a table
    may also be a folder of Parquet parts (``responses/week=2026-W33/part-0.parquet``).
    """

    def __init__(self, folder: str | Path, errors: Errors = "raise", today: TodayLike = None,
                 engine: str = "pandas", tally_store: object = None) -> None:
        self.path = Path(folder)
        if not self.path.is_dir():
            raise DataError(f"workspace folder {str(folder)!r} does not exist or is not a folder")
        self.errors: Errors = errors
        self.today: pd.Timestamp = run_today(today)
        self._tables: dict[str, pd.DataFrame] = {}
        self._reports: dict[str, LoadReport] = {}
        self._checked: dict[str, engines.Validated] = {}
        self.engine = "pandas"
        if engine != "pandas":
            folders = [p for p in self.path.iterdir() if p.is_dir() and p.name.lower() in CONTRACTS]
            files = [p for p in self.path.iterdir() if p.is_file() and p.stem.lower() in CONTRACTS]
            self.engine = engines.resolve_engine(engine, files + folders)
        self._handle: object = None
        self.tally_store = tally_store
        self._weeks: dict[str, dict[str, str]] = {}
        self._placed: dict[tuple[str, str], list[str] | None] = {}
        self._validation_keys: dict[str, dict[str, str]] = {}
        self._memo: dict[tuple, pd.DataFrame] = {}
        self._parts: dict[str, list] = {}  # each week-partitioned table's files, listed once (their footers read)
        self._lazy_weeks: dict[tuple[str, tuple[str, ...]], engines.Validated] = {}  # some weeks' files, built once
        self._tally_lines: list[dict] = []

    def __repr__(self) -> str:
        return f"Workspace({self.path.name!r}, tables={self.available()})"

    def _files(self, kind: str) -> list[Path]:
        """Files of table ``kind``, whatever the case of their names (``Responses.CSV``), sorted."""
        names = {f"{kind}{s}" for s in TABLE_SUFFIXES}
        parts = self.engine != "pandas"  # a folder of Parquet parts is a table on an engine
        return sorted((p for p in self.path.iterdir()
                       if (p.name.lower() in names and p.is_file()) or (parts and p.is_dir() and p.name.lower() == kind)),
                      key=lambda p: (p.name.lower(), p.name))

    def file(self, kind: str) -> Path:
        """The file holding table ``kind``; a clear error names what was looked for."""
        contract(kind)
        found = self._files(kind)
        if not found:
            names = ", ".join(f"{kind}{s}" for s in TABLE_SUFFIXES)
            raise DataError(f"workspace {self.path.name!r} has no {kind!r} table: expected one of {names}")
        if len(found) > 1:
            raise DataError(
                f"workspace {self.path.name!r} has {len(found)} files for {kind!r} "
                f"({', '.join(p.name for p in found)}): keep one"
            )
        return found[0]

    def has(self, kind: str) -> bool:
        return bool(self._files(kind))

    def available(self) -> list[str]:
        """Names of the contract tables present in the folder, sorted."""
        return sorted(k for k in CONTRACTS if self.has(k))

    def table(self, kind: str) -> pd.DataFrame:
        """Load table ``kind`` as pandas (once; later calls return a copy of the same frame).

        On an engine the kept rows are collected from :meth:`lazy` and typed as the pandas path
        types them.
        """
        if kind not in self._tables:
            if self.engine == "pandas" or self._pandas_only(kind):
                data, report = load_table(self.file(kind), kind, errors=self.errors, today=self.today)
                self._reports[kind] = report
            else:
                self.lazy(kind)
                data = _as_pandas(self._checked[kind].in_file_order(), contract(kind))
            self._tables[kind] = data
        return self._tables[kind].copy()

    def _pandas_only(self, kind: str) -> bool:
        """A table file the engine does not read, loaded by the pandas path: a CSV file on Spark (``actions.csv``)."""
        return self.engine == "spark" and self.file(kind).suffix.lower() != ".parquet" and not self.file(kind).is_dir()

    def frame(self, kind: str) -> pd.DataFrame:
        """Table ``kind`` as pandas, whatever the engine (the path for code that needs pandas)."""
        return self.table(kind)

    @property
    def handle(self) -> object:
        """The engine's connection: a DuckDB connection or a SparkSession (None for pandas), opened once."""
        if self._handle is None and self.engine == "duckdb":
            self._handle = engines.duckdb_connection()
        elif self._handle is None and self.engine == "spark":
            self._handle = engines.spark_session()
        return self._handle

    def lazy(self, kind: str) -> object:
        """Table ``kind``'s kept rows as a narwhals LazyFrame in the workspace's engine (validated once).

        On the pandas engine, the loaded frame wrapped lazily. Rows set aside are counted in the
        load report by reason, with a sample of them in :meth:`exclusions`; with ``errors="raise"``
        any of them raises a :class:`DataError` naming rows and rules.
        """
        import narwhals as nw

        if self.engine == "pandas":
            return nw.from_native(self.table(kind)).lazy()
        if kind not in self._checked:
            path = self.file(kind)
            checked = None
            if path.is_dir():  # strict about the parts first: an engine would fill a lost column with nulls
                from carelib.data import partitions

                parts = self._parts[kind] = partitions.validate(self.path, kind)
                if self.tally_store is not None:
                    checked = self._validated_by_week(kind, path, parts)
            elif self.tally_store is not None and self.engine == "duckdb" and path.suffix.lower() == ".parquet":
                checked = self._validated_by_week(kind, path, [_whole_file(kind, path, self.path)])
            if checked is None:
                scanned = engines.scan_table(path, self.engine, self.handle)
                checked = engines.validate_lazy(scanned, contract(kind), path.name, future_limit(self.today))
            if self.errors == "raise" and len(checked.sample):
                lines = [f"{r.source} row {r.row}, column {r.column!r}: expected {r.expected}, found {r.found}"
                         for r in checked.sample.itertuples()]
                counts = "; ".join(f"{r.rows:,} {r.reason}" for r in checked.reasons.itertuples())
                raise DataError(f"{path.name}: {checked.rows_read - checked.rows_kept:,} row(s) break the contract "
                                f"({counts}) in {checked.rows_read:,} rows; the first:\n" + "\n".join(lines),
                                problems=lines)
            sample = checked.sample.drop(columns="source")
            self._reports[kind] = LoadReport(kind, path.name, checked.rows_read, checked.rows_kept, sample,
                                             reasons=checked.reasons)
            self._checked[kind] = checked
        return self._checked[kind].kept

    __getitem__ = table

    # ----------------------------------------------------------------- per-week tallies (week partitions)

    def weeks(self, kind: str) -> dict[str, str] | None:
        """Each week of table ``kind`` with the fingerprint of its files, when its weekly tallies may be kept.

        None unless the workspace is on an engine, keeps ``kind`` in week partitions and has its tally
        store given (``tally_store``).
        """
        if self.engine == "pandas" or self.tally_store is None or not self.has(kind) or not self.file(kind).is_dir():
            return None
        if kind not in self._weeks:
            self._weeks[kind] = _week_fingerprints(self._partitions(kind))
        return self._weeks[kind]

    def rows_kept(self, kind: str) -> int:
        """Rows of table ``kind`` its contract keeps (read and validated first, counted in the engine)."""
        self.lazy(kind) if self.engine != "pandas" else self[kind]
        return int(self._reports[kind].rows_kept)

    def validation_keys(self, kind: str) -> dict[str, str] | None:
        """Each week's key of the rows a week-partitioned table keeps, when it was validated week by week through
        the tally store (its files' fingerprints, the future-date limit where a date comes near it, the contract):
        equal keys, equal kept rows. None when the table was validated whole (ids of two weeks may collide)."""
        if self.weeks(kind) is None:
            return None
        self.lazy(kind)
        return self._validation_keys.get(kind)

    def placed_weeks(self, kind: str, column: str) -> list[str] | None:
        """The weeks of a week-partitioned table when its files' footers prove every row's ``column`` lies in its
        partition's week, else None.

        Then a query of some weeks may read only those weeks' files (:meth:`lazy_weeks`) and count exactly what
        a filter of the whole table on the week of ``column`` counts. Nothing but the footers is read: a file
        whose statistics are missing, or whose ``column`` is not a timestamp, gives None (read the whole table).
        """
        if self.engine == "pandas" or not self.has(kind) or not self.file(kind).is_dir():
            return None
        if (kind, column) not in self._placed:
            from carelib.data import partitions

            weeks: list[str] | None = []
            for p in self._partitions(kind):
                weeks.append(p.week)
                got = partitions.column_ranges(p.path, [column]).get(column) if p.rows else (None, None)
                if got == (None, None):  # no rows, or no dates: nothing outside the week
                    continue
                start, end = week_bounds(p.week)
                if got is None or not all(isinstance(v, dt.datetime) for v in got) or \
                        not (start <= _naive_utc(got[0]) and _naive_utc(got[1]) < end):
                    weeks = None
                    break
            self._placed[(kind, column)] = weeks
        return self._placed[(kind, column)]

    def lazy_weeks(self, kind: str, weeks: list[str]) -> object:
        """The kept rows of some weeks of a week-partitioned table, as a lazy frame that reads only their files.

        The table is validated first (:meth:`lazy`); the rows kept are those the whole table keeps.
        """
        return self._part_of_weeks(kind, weeks).kept

    def _part_of_weeks(self, kind: str, weeks: Iterable[str]) -> engines.Validated:
        """The table read from some weeks' files only, with the rows the whole table keeps (built once per weeks)."""
        self.lazy(kind)
        wanted = tuple(sorted(set(weeks)))
        if (kind, wanted) not in self._lazy_weeks:
            path = self.file(kind)
            files = [p.path for p in self._partitions(kind) if p.week in set(wanted)]
            if not files:
                raise DataError(f"{kind}/ in {self.path.name!r}: no partition for week(s) {', '.join(wanted)}")
            checked = self._checked[kind]
            scanned = engines.scan_table(path, self.engine, self.handle, files=files)
            self._lazy_weeks[(kind, wanted)] = engines.validated_from_rows(
                scanned, contract(kind), path.name, future_limit(self.today), self._validation_counts(checked),
                checked.sample)
        return self._lazy_weeks[(kind, wanted)]

    def _partitions(self, kind: str) -> list:
        """The files of week-partitioned table ``kind`` (:func:`carelib.data.partitions.scan`), listed once a run."""
        if kind not in self._parts:
            from carelib.data import partitions

            self._parts[kind] = partitions.scan(self.path, kind)
        return self._parts[kind]

    def lazy_in_weeks(self, kind: str, column: str, weeks: Iterable[str]) -> Any:
        """:meth:`in_weeks` as a lazy frame in the engine (rows in no particular order), for tallies of a window.

        Parameters
        ----------
        kind, column : str
            The table and its date column.
        weeks : iterable of str
            ISO weeks kept.

        Returns
        -------
        narwhals LazyFrame
            The kept rows of those weeks, with ``week``.
        """
        return self._located_in_weeks(kind, column, list(weeks), located=False)

    def _located_in_weeks(self, kind: str, column: str, weeks: list[str], *, located: bool = True) -> Any:
        """The kept rows of ``kind`` whose ISO week of ``column`` is one of ``weeks``, lazy in the engine, with
        ``week`` (and the file and row of each when ``located``), reading only those weeks' files when the footers
        place every row in its week (:meth:`placed_weeks`)."""
        import narwhals as nw

        self.lazy(kind)
        placed = self.placed_weeks(kind, column)
        if placed is None:
            checked = self._checked[kind]
            frame = engines.with_week_lazy(checked.located if located else checked.kept, column)
        else:
            have = [w for w in weeks if w in set(placed)] or placed[:1]  # none: one week's files, filtered to nothing
            part = self._part_of_weeks(kind, have)
            frame = engines.with_known_weeks_lazy(part.located if located else part.kept, column, have)
        return nw.from_native(frame).filter(nw.col("week").is_in(list(weeks)))

    def in_weeks(self, kind: str, column: str, weeks: Iterable[str]) -> pd.DataFrame:
        """The rows of table ``kind`` whose ISO week of ``column`` is one of ``weeks``, with that ``week``, as pandas.

        The same rows, order and types as :meth:`table` filtered by :func:`carelib.periods.week_of`; on an engine
        they are filtered there (only those weeks' files are read when their footers place every row in its week),
        so a window of a table of hundreds of millions of rows comes back alone.

        Parameters
        ----------
        kind : str
            The table.
        column : str
            Its date column.
        weeks : iterable of str
            ISO weeks (``2026-W03``).

        Returns
        -------
        DataFrame
            The rows, with ``week``, indexed from 0.

        Examples
        --------
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> rows = ["t1,c1,chat,2026-01-01,,open", "t2,c1,chat,2026-01-12,,open"]
        >>> _ = (d / "tickets.csv").write_text("\\n".join(["ticket_id,customer_id,channel,created_at,closed_at,status",
        ...                                                 *rows]))
        >>> Workspace(d, today="2026-02-01").in_weeks("tickets", "created_at", ["2026-W03"])[["ticket_id", "week"]]
          ticket_id      week
        0        t2  2026-W03
        """
        weeks = list(weeks)
        if self.engine == "pandas" or self._pandas_only(kind):
            frame = self.table(kind)
            frame = frame.assign(week=week_of(frame, column))
            return frame[frame["week"].isin(weeks)].reset_index(drop=True)
        return self._collect(kind, self._located_in_weeks(kind, column, weeks))

    def linked_to_weeks(self, kind: str, key: str, parent: str, column: str, weeks: Iterable[str], *,
                        where: Any = None, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows of table ``kind`` whose ``key`` is that of a row of ``parent`` in ``weeks`` (its week of
        ``column``), as pandas: the messages of a window's tickets, the answers linked to them.

        The same rows, order and types as :meth:`table` filtered with ``isin`` on the parent's window (see
        :meth:`in_weeks`); on an engine, a semi-join there, so only the linked rows come back.

        Parameters
        ----------
        kind, key : str
            The table and its column holding the parent's key.
        parent, column, weeks
            The parent table, its date column and the weeks (:meth:`in_weeks`).
        where : narwhals expression, optional
            A filter on ``kind`` applied in the engine too (``nw.col("survey") == "csat"``).
        columns : list of str, optional
            The columns returned (the engine reads those alone); default all.

        Returns
        -------
        DataFrame
        """
        import narwhals as nw

        weeks = list(weeks)
        if self.engine == "pandas" or self._pandas_only(kind) or self._pandas_only(parent):
            ids = self.in_weeks(parent, column, weeks)[key]
            frame = self.table(kind)
            frame = frame[frame[key].isin(ids)]
            if where is not None:
                frame = nw.from_native(frame).filter(where).to_native()
            return (frame if columns is None else frame[columns]).reset_index(drop=True)
        self.lazy(kind)
        rows = nw.from_native(self._checked[kind].located)
        if where is not None:
            rows = rows.filter(where)
        ids = nw.from_native(self._located_in_weeks(parent, column, weeks)).select(key).unique()
        return self._collect(kind, rows.join(ids, on=key, how="semi"), columns)

    def _collect(self, kind: str, located: Any, columns: list[str] | None = None) -> pd.DataFrame:
        """Located rows (with their file and row) as pandas in file order, typed as :meth:`table` types them."""
        return _as_pandas(engines.in_file_order(located, columns), contract(kind)).reset_index(drop=True)

    def tally(self, kind: str, metric: str, grouping: tuple[str, ...], compute, params: dict | None = None,
              weeks: Iterable[str] | None = None):
        """A per-week tally of table ``kind``: ``compute(kept rows, lazy)`` gives rows with ``week``, ``grouping``, counts.

        On an engine with a week-partitioned ``kind`` and the tally store on, the weeks whose files did
        not change since the last run come from the store and ``compute`` runs on the other weeks'
        files only; otherwise on the whole table. Either way the same rows, sorted by week and grouping.

        Parameters
        ----------
        kind : str
            The table.
        metric : str
            What is tallied (part of the store's key).
        grouping : tuple of str
            The grouping columns besides ``week``.
        compute : callable
            ``compute(frame)``: the tally of a lazy frame of kept rows (``week`` computed from the rows'
            dates, rows without a week left out).
        params : dict, optional
            Anything else the tally depends on (part of the store's key).
        weeks : iterable of str, optional
            Only these weeks (a tally of the window: the store keeps those; ``compute`` sees only their files);
            default every week.

        Returns
        -------
        DataFrame
            The tally rows of every week (of ``weeks``, when given).
        """
        only = None if weeks is None else sorted(set(weeks))
        weeks = self.weeks(kind)
        if weeks is not None and only is not None:
            weeks = {w: fp for w, fp in weeks.items() if w in set(only)}
        if weeks is not None:
            memo = (kind, metric, grouping, repr(sorted((params or {}).items())), repr(only))
            if memo in self._memo:  # asked again in this run (two sections, one tally): one read, one report line
                return self._memo[memo].copy()
            self.lazy(kind)
            got = self._store_tally(kind, metric, grouping, weeks, lambda w: compute(self.lazy_weeks(kind, w)),
                                    params or {})
            if got is not None:
                self._memo[memo] = got
                return got.copy()
        if only is not None and self.weeks(kind) is not None:  # (no week of the table is among them)
            return compute(self.lazy_weeks(kind, only)) if weeks else compute(self.lazy(kind)).iloc[0:0]
        return compute(self.lazy(kind))

    def tally_keyed(self, kind: str, metric: str, grouping: tuple[str, ...], keys: dict[str, str], compute,
                    params: dict | None = None) -> pd.DataFrame:
        """A per-week tally kept in the tally store under keys the caller gives (what each week depends on, when
        that is more than the week's own files: a ticket week's first replies, say).

        Parameters
        ----------
        kind, metric, grouping, params
            As :meth:`tally`.
        keys : dict of str to str
            Every week to tally, with the digest of all its rows depend on; a week is computed again when its
            digest changed.
        compute : callable
            ``compute(weeks)``: the tally rows of exactly those weeks, with ``week``.

        Returns
        -------
        DataFrame
            The rows of every week of ``keys``, sorted by week and grouping (computed whole when the store
            cannot be written).
        """
        memo = (kind, metric, grouping, repr(sorted((params or {}).items())), "keyed")
        if memo in self._memo:
            return self._memo[memo].copy()
        got = self._store_tally(kind, metric, grouping, keys, compute, params or {}) \
            if self.tally_store is not None else None
        if got is None:
            got = compute(sorted(keys))
        self._memo[memo] = got
        return got.copy()

    def _store_tally(self, kind: str, metric: str, grouping: tuple[str, ...], weeks: dict[str, str], compute,
                     params: dict) -> pd.DataFrame | None:
        """The tally through the store, its line in :meth:`tally_report`; None when the store cannot be written."""
        try:
            res = self.tally_store.tally(kind, metric, grouping, weeks, compute, params)
        except OSError as exc:  # a read-only workspace: tally everything, say so
            self._tally_lines.append({"table": kind, "tally": metric, "weeks from the store": 0, "weeks tallied": 0,
                                      "weeks dropped": 0, "tallied": f"whole table (store not writable: {exc})"})
            return None
        self._tally_lines.append({"table": kind, "tally": metric, "weeks from the store": res.reused,
                                  "weeks tallied": res.computed, "weeks dropped": res.dropped,
                                  "tallied": ", ".join(res.computed_weeks[:6])
                                  + (" ..." if res.computed > 6 else "")})
        return res.frame

    def note_tally(self, kind: str, metric: str, done: dict) -> None:
        """A line of :meth:`tally_report` for a cache kept beside the tallies.

        Parameters
        ----------
        kind, metric : str
            The table and the cache's name, as the report shows them.
        done : dict
            ``reused`` (weeks read from the cache) and ``tallied`` (the weeks computed again), as
            :func:`carelib.analysis.first_replies.first_replies` returns them.

        Returns
        -------
        None
        """
        weeks = done["tallied"]
        self._tally_lines.append({"table": kind, "tally": metric, "weeks from the store": done["reused"],
                                  "weeks tallied": len(weeks), "weeks dropped": 0,
                                  "tallied": ", ".join(weeks[:6]) + (" ..." if len(weeks) > 6 else "")})

    def tally_report(self) -> pd.DataFrame:
        """What the tally store did in this run: one row per tally (weeks from the store, weeks tallied)."""
        cols = ["table", "tally", "weeks from the store", "weeks tallied", "weeks dropped", "tallied"]
        return pd.DataFrame(self._tally_lines, columns=cols)

    def _validation_counts(self, checked: engines.Validated) -> pd.DataFrame:
        return engines.validation_rows(checked)[0]

    def _validated_by_week(self, kind: str, path: Path, parts: list) -> engines.Validated | None:
        """The table validated week by week through the tally store; None when the whole table must be read
        (ids of two weeks may collide, or the store cannot be written)."""
        from carelib.data import partitions

        spec = contract(kind)
        limit = future_limit(self.today)
        unique = [c.name for c in spec.columns if c.unique]
        dates = [c.name for c in spec.columns if c.kind == "datetime" and not c.future]
        by_week: dict[str, list] = {}
        for p in parts:
            by_week.setdefault(p.week, []).append(p)
        ranges, tags = [], {}
        for week, files in by_week.items():
            found = [partitions.column_ranges(p.path, [*unique, *dates]) for p in files if p.rows]
            for u in unique:  # an unknown range (None) may collide with anything
                ranges += [(r[u] or (None, None), week) for r in found if u in r and r[u] != (None, None)]
            late = any(r[d] is None or (r[d][1] is not None and pd.Timestamp(r[d][1]) > limit)
                       for r in found for d in dates if d in r)
            tags[week] = str(limit) if late else ""  # a week with no date past today does not depend on it
        if unique and len(by_week) > 1 and _may_collide(ranges):  # one part (one week, one file): nothing to collide
            self._tally_lines.append({"table": kind, "tally": "validation", "weeks from the store": 0,
                                      "weeks tallied": len(by_week), "weeks dropped": 0,
                                      "tallied": "whole table (ids of two weeks may collide)"})
            return None
        fps = {w: f"{fp}|{tags[w]}" for w, fp in _week_fingerprints(parts).items()}
        samples: dict[tuple[str, ...], pd.DataFrame] = {}
        empty = (pd.DataFrame([{"kind": "read", "column": "", "reason": "", "expected": "", "rows": 0}]),
                 pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in engines.SAMPLE_COLUMNS}))

        def counts(weeks: list[str]) -> pd.DataFrame:
            out, kept = [], []
            for w in weeks:
                if not any(p.rows for p in by_week[w]):  # a week without rows: nothing to query
                    c, smp = empty
                else:
                    scanned = engines.scan_table(path, self.engine, self.handle, files=[p.path for p in by_week[w]])
                    c, smp = engines.validation_rows(engines.validate_lazy(scanned, spec, path.name, limit))
                out.append(c.assign(week=w))
                kept.append(smp.assign(week=w))
            samples[tuple(weeks)] = pd.concat(kept, ignore_index=True)
            return pd.concat(out, ignore_index=True)

        def sample(weeks: list[str]) -> pd.DataFrame:
            if tuple(weeks) not in samples:
                counts(weeks)
            return samples[tuple(weeks)]

        params = {"contract": repr(spec), "engine_rules": 1}
        got = self._store_tally(kind, "validation", ("kind", "column", "reason", "expected"), fps, counts, params)
        smp = None if got is None else self._store_tally(kind, "validation_sample", ("source", "row"), fps, sample,
                                                         params)
        if got is None or smp is None:
            return None
        self._validation_keys[kind] = {w: hashlib.sha256(f"{fp}|{params}".encode()).hexdigest()[:32]
                                       for w, fp in fps.items()}
        scanned = engines.scan_table(path, self.engine, self.handle)
        return engines.validated_from_rows(scanned, spec, path.name, limit, got.drop(columns="week"),
                                           smp.drop(columns="week"))

    def names(self, kind: str = "customers", column: str = "name", *, distinct: bool = False) -> list[str]:
        """The people's names of table ``kind`` (the redaction roster); empty when there are none.

        Parameters
        ----------
        kind, column : str
            The table and its column of names.
        distinct : bool
            Each name once, in the order of its first row (the roster's pseudonym order).

        Returns
        -------
        list of str

        Examples
        --------
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> Workspace(folder).names()
        []
        """
        values = self._column_arrow(kind, column)
        if values is None:
            return []
        if _is_text(values.type):  # a text column: its values as they are, millions at once
            values = values.drop_null()
            if distinct:
                import pyarrow.compute as pc

                values = pc.unique(values)  # in the order of first appearance
            return values.to_pylist()
        found = [str(v) for v in values.to_pandas().dropna()]
        return list(dict.fromkeys(found)) if distinct else found

    def _column_arrow(self, kind: str, column: str) -> Any:
        """:meth:`_column` as a pyarrow array: on an engine straight from its result, no Python object per value."""
        import pyarrow as pa

        if not self.has(kind):
            return None
        if self.engine == "pandas" or kind in self._tables:
            values = self._column(kind, column)
            if values is None:
                return None
            try:
                return pa.chunked_array([pa.Array.from_pandas(values)])
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in an object column: kept as objects
                return pa.chunked_array([pa.array(values.map(lambda v: None if pd.isna(v) else str(v)), pa.string())])
        if column not in self.lazy(kind).columns:
            return None
        return self._checked[kind].column_in_file_order(column)

    def _column(self, kind: str, column: str) -> pd.Series | None:
        """One column of table ``kind``'s kept rows in file order, None without it: from the loaded table, or
        on an engine a query of that column alone (the redaction roster of 2 M customers does not load them)."""
        if not self.has(kind):
            return None
        if self.engine == "pandas" or kind in self._tables:
            if kind not in self._tables:
                self.table(kind)
            table = self._tables[kind]
            return table[column] if column in table.columns else None
        if column not in self.lazy(kind).columns:
            return None
        return self._checked[kind].in_file_order([column])[column]

    def identifiers(self) -> list[str]:
        """The workspace's own ids of people, for redaction: every customer id, and the ids of people in the
        tables already read (``customer_id``, a customer's ``author_id``), so no table is read for them.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "customers.csv").write_text("customer_id,first_seen\\njdoe_1983,2026-01-05\\n")
        >>> Workspace(folder).identifiers()
        ['jdoe_1983']
        """
        return self.identifier_array().to_pylist()

    def identifier_array(self) -> Any:
        """:meth:`identifiers` as a pyarrow string array (sorted, each once): 2 M customer ids without a Python
        object each, as :class:`carelib.text.redact.Redactor` takes them."""
        import pyarrow as pa
        import pyarrow.compute as pc

        parts = []
        ids = self._column_arrow("customers", "customer_id")
        if ids is not None:
            parts.append(ids if _is_text(ids.type) else _as_text(ids.to_pandas()))
        for kind, table in self._tables.items():
            if "customer_id" in table.columns:
                parts.append(_as_text(table["customer_id"]))
            if kind == "messages" and {"author_id", "author_role"} <= set(table.columns):
                parts.append(_as_text(table.loc[table["author_role"] == "customer", "author_id"]))
        if not parts:
            return pa.array([], pa.string())
        found = pc.unique(pa.chunked_array([c for p in parts for c in p.cast(pa.string()).chunks], pa.string())
                          .drop_null())
        # code point order, as Python sorts text: UTF-8 bytes sort the same way (ids written in order: no sort)
        return found if _ascending(found) else found.take(pc.sort_indices(found))

    def optional(self, name: str) -> Path | None:
        """A file or folder of the workspace that is not a table (``codebook.yml``, ``interviews``), if present."""
        path = self.path / name
        return path if path.exists() else None

    def load_report(self) -> pd.DataFrame:
        """Rows read, kept and excluded for every table loaded so far."""
        if not self._reports:
            return pd.DataFrame(columns=["table", "source", "rows_read", "rows_kept", "rows_excluded"])
        return pd.concat([r.summary() for r in self._reports.values()], ignore_index=True)

    def exclusions(self) -> pd.DataFrame:
        """Every excluded row of every table loaded so far, with file, row, column and reason."""
        frames = [r.exclusions.assign(source=r.source) for r in self._reports.values() if not r.exclusions.empty]
        cols = ["source", "row", "column", "reason", "expected", "found"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    def validate(self) -> list[str]:
        """Check every table present; return one line per problem (empty when all is well).

        Files that are not read are named too: a table-like file of no known table
        (``stuff.csv``) and a known table in a format that is not read (``tickets.xlsx``).
        """
        lines: list[str] = []
        for kind in self.available():
            try:
                if self.engine == "pandas":
                    load_table(self.file(kind), kind, errors="raise", today=self.today)
                else:  # week partitions (their footers), then the contract as engine queries
                    saved, self.errors = self.errors, "raise"
                    try:
                        self.lazy(kind)
                    finally:
                        self.errors = saved
            except DataError as exc:
                lines.extend(exc.problems or [str(exc)])
        return lines + self.ignored()

    def ignored(self) -> list[str]:
        """One line per file of the folder that looks like a table but is not read, and why."""
        lines = []
        for p in sorted(q for q in self.path.iterdir() if q.is_file()):
            stem, suffix = p.stem.lower(), p.suffix.lower()
            if suffix in TABLE_SUFFIXES and stem not in CONTRACTS:
                lines.append(f"{p.name}: not a known table (known: {', '.join(sorted(CONTRACTS))}); ignored")
            elif stem in CONTRACTS and suffix not in TABLE_SUFFIXES:
                lines.append(f"{p.name}: the {stem!r} table is read from {', '.join(TABLE_SUFFIXES[:-1])} or "
                             f"{TABLE_SUFFIXES[-1]}, not {p.suffix}; ignored (export it as CSV UTF-8)")
        return lines

    def fingerprint(self) -> str:
        """SHA-256 over the names and bytes of every file in the workspace (sorted).

        Hidden files and folders are left out: ``.carelib/`` holds what runs derive (the tally store),
        which must not make the next run look like new data.
        """
        h = hashlib.sha256()
        for p in sorted(q for q in self.path.rglob("*")
                        if q.is_file() and not any(part.startswith(".") for part in q.relative_to(self.path).parts)):
            h.update(p.relative_to(self.path).as_posix().encode())
            h.update(b"\0")
            with p.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        return h.hexdigest()


def _whole_file(kind: str, path: Path, root: Path) -> Any:
    """A table's one Parquet file (``customers.parquet``) as one partition, week ``all``: its validation counts are
    kept in the tally store like a week's, keyed by the file's fingerprint (a warm run does not read it again)."""
    import pyarrow.parquet as pq

    from carelib.data import partitions

    rows = pq.ParquetFile(path).metadata.num_rows
    return partitions.Partition(kind, "all", path, rows, path.stat().st_size, partitions.fingerprint(path, root))


def _naive_utc(value: dt.datetime) -> pd.Timestamp:
    """A footer's timestamp as the engines' week sees it: UTC, without a zone."""
    t = pd.Timestamp(value)
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo is not None else t


def _week_fingerprints(parts: list) -> dict[str, str]:
    """One fingerprint per week from its partitions' (all its files: a file added or removed changes it)."""
    by_week: dict[str, list[str]] = {}
    for p in parts:
        by_week.setdefault(p.week, []).append(p.fingerprint)
    return {w: hashlib.sha256("\n".join(sorted(f)).encode()).hexdigest()[:32] for w, f in sorted(by_week.items())}


def _may_collide(ranges: list[tuple[tuple[object, object], str]]) -> bool:
    """Whether the id ranges (least, greatest) of two different weeks overlap, or some range is unknown."""
    if any(lo is None for (lo, _), _ in ranges):
        return True
    spans = sorted(((lo, hi), w) for (lo, hi), w in ranges)
    reach: tuple[object, str] | None = None
    for (lo, hi), w in spans:
        if reach is not None and lo <= reach[0] and w != reach[1]:
            return True
        if reach is None or hi > reach[0]:
            reach = (hi, w)
    return False


def _as_pandas(data: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Collected rows of an engine table, each contract column typed as :func:`load_table` types it."""
    for col in spec.columns:
        if col.name in data.columns:
            data[col.name] = parse_column(data[col.name], col)[0]
    return data


def load_workspace(folder: str | Path, errors: Errors = "raise", today: TodayLike = None,
                   engine: str = "auto") -> Workspace:
    """Open a workspace folder; tables load on first use (see :class:`Workspace`).

    Parameters
    ----------
    folder : str or Path
        The workspace folder; an error names it when it does not exist.
    errors : {"raise", "exclude"}
        Passed to :func:`load_table` for every table: stop at the first bad row, or set bad
        rows aside with a reason.
    today : str, date or Timestamp, optional
        The run's today (see :func:`carelib.periods.today`); default ``$CARELIB_TODAY``, else
        the clock.
    engine : {"auto", "duckdb", "pandas", "spark"}
        Where tables are read (see :class:`Workspace`): ``auto`` is DuckDB when a table is a
        folder of Parquet parts or the table files pass 256 MB, pandas for small workspaces.

    Returns
    -------
    Workspace
        The opened workspace; no table is read yet.
    """
    return Workspace(folder, errors=errors, today=today, engine=engine)


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _as_text(values: pd.Series) -> Any:
    """A column's non-empty values as text (``str`` of each, as :meth:`Workspace.identifiers` always gave)."""
    import pyarrow as pa

    values = values.dropna()
    try:
        got = pa.Array.from_pandas(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: each one as its text
        got = None
    if got is None or not _is_text(got.type):
        got = pa.array([str(v) for v in values], pa.string())
    return pa.chunked_array([got])


def _ascending(values: Any) -> bool:
    """Whether a pyarrow array of text is in strictly ascending order (so sorted and each value once)."""
    import pyarrow.compute as pc

    if values.null_count:
        return False
    if len(values) < 2:
        return True
    return bool(pc.all(pc.less(values.slice(0, len(values) - 1), values.slice(1))).as_py())
