"""Engine-backed tables: a workspace table as a lazy frame on DuckDB or Spark, validated by queries.

A table on an engine stays in the engine: :func:`scan_table` opens its file (or its folder of
Parquet parts, ``responses/week=2026-W33/part-0.parquet``) as a narwhals ``LazyFrame`` over a
DuckDB relation or a Spark DataFrame, with the file (``__source``) and the row (``__row``, 1 is the
first record of a Parquet file, 2 of a CSV file) of every row. :func:`validate_lazy` checks the
contract with queries, never row by row in Python: one aggregate counts the rows breaking each
rule, one groups the rows set aside by their first broken rule, and a short sorted sample of them
comes back with file, row, column and value. The rows kept are the same frame with a filter.

Rules checked in the engine: required columns (a missing one raises), column types (a column of the
wrong type raises: convert it with ``carelib import`` or read the workspace with ``engine="pandas"``),
empty required cells, whole numbers, allowed values, ranges, a score within its survey's scale,
dates of events no later than today plus two days, unique ids (the first row of an id is kept).
Partial dates (``2012``, ``2012-08``) and their ``<column>_precision`` are read only by the pandas
path.

:func:`resolve_engine` picks the engine of ``engine="auto"``: DuckDB when a table is a folder of
Parquet parts or the table files pass :data:`AUTO_BYTES`, pandas for a small workspace.
:func:`spark_session` opens Spark from the environment: ``SPARK_REMOTE`` (``sc://host:15002``,
Spark Connect), else ``SPARK_MASTER``, else ``local[*]``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from carelib.data.contracts import Col, TableSpec
from carelib.errors import DataError, ParameterError
from carelib.scales import SCORE_SCALES

__all__ = ["validation_rows", "validated_from_rows", "VALIDATION_COLUMNS", "SAMPLE_COLUMNS",
           "ENGINES", "AUTO_BYTES", "SAMPLE_ROWS", "resolve_engine", "spark_session", "duckdb_connection",
           "scan_table", "validate_lazy", "Validated", "iso_week_expr", "with_week_lazy", "duplicate_ids"]

#: The engines a workspace reads its tables with.
ENGINES = ("auto", "duckdb", "pandas", "spark")
#: Bytes of a workspace's table files above which ``engine="auto"`` reads it with DuckDB.
AUTO_BYTES = 256 * 1024 * 1024
#: Rows set aside brought back as a sample, with file, row, column and value.
SAMPLE_ROWS = 50

_SOURCE, _ROW, _RULE = "__source", "__row", "__rule"
_NUMERIC = ("int", "float")


def resolve_engine(engine: str, files: Iterable[Path]) -> str:
    """The engine that reads tables ``files``: ``engine`` itself, or the choice of ``"auto"``.

    ``auto`` is DuckDB when a table is a folder of Parquet parts or the table files pass
    :data:`AUTO_BYTES` together, pandas for a small workspace (CSV or Parquet files): small
    workspaces keep the pandas path, its dtypes and its row-by-row messages.

    Examples
    --------
    >>> resolve_engine("auto", [])
    'pandas'
    >>> resolve_engine("spark", [])
    'spark'
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine != "auto":
        return engine
    files = list(files)
    if any(p.is_dir() for p in files):
        return "duckdb"
    size = sum(p.stat().st_size for p in files if p.is_file())
    return "duckdb" if size > AUTO_BYTES else "pandas"


def duckdb_connection() -> Any:
    """A DuckDB connection whose time zone is UTC (timestamps are compared as stored)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def spark_session(app: str = "carelib") -> Any:
    """A Spark session from the environment: ``SPARK_REMOTE`` (Spark Connect), else ``SPARK_MASTER`` or ``local[*]``.

    Raises :class:`ParameterError` naming the extra to install when pyspark is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ParameterError("engine='spark' needs pyspark: pip install 'carelib[spark]' (and Java 17)") from None
    builder = SparkSession.builder.appName(app)
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        builder = builder.remote(remote)
    else:
        master = os.environ.get("SPARK_MASTER", "local[*]")
        builder = builder.master(master).config("spark.ui.enabled", "false")
        if master.startswith("local"):  # the Python workers (mapInPandas) run this interpreter, which has carelib
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # (pyspark reads it when the session starts)
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def _parquet_glob(path: Path) -> str:
    return str(path / "**" / "*.parquet") if path.is_dir() else str(path)


def scan_table(path: Path, engine: str, handle: Any, files: list[Path] | None = None) -> nw.LazyFrame:
    """Table file (or folder of Parquet parts) ``path`` as a lazy frame with ``__source`` and ``__row``.

    Parameters
    ----------
    path : Path
        A ``.parquet`` or ``.csv`` file, or a folder of ``.parquet`` files (Hive-style partitions are
        read as plain files: the partition values are in the rows).
    engine : {"duckdb", "spark"}
        The engine.
    handle : DuckDB connection or SparkSession
        Where the query runs (:func:`duckdb_connection`, :func:`spark_session`).
    files : list of Path, optional
        Only these Parquet files of the folder ``path`` (some week partitions: an incremental tally
        reads only the weeks it needs); default every file.

    Returns
    -------
    narwhals LazyFrame
        The columns of the file, then ``__source`` (file name) and ``__row`` (row as a spreadsheet or a
        Parquet reader numbers it).
    """
    parquet = path.is_dir() or path.suffix.lower() == ".parquet"
    # a file is named as the workspace holds it: `responses.parquet`, `responses/week=2026-W33/part-0.parquet`
    pattern = f"/({re.escape(path.name)}/.*)$"
    if engine == "duckdb":
        if parquet:
            source = f"regexp_extract(filename, '{pattern}', 1)" if path.is_dir() else f"'{path.name}'"
            where = _parquet_glob(path) if files is None else [str(f) for f in files]
            rel = handle.sql(f"SELECT * EXCLUDE (filename, file_row_number), {source} AS {_SOURCE}, "
                             f"file_row_number + 1 AS {_ROW} FROM read_parquet({where!r}, "
                             "filename = true, file_row_number = true, union_by_name = true, hive_partitioning = false)")
        elif path.suffix.lower() == ".csv":
            rel = handle.sql(f"SELECT *, '{path.name}' AS {_SOURCE}, row_number() OVER () + 1 AS {_ROW} "
                             f"FROM read_csv('{path}', header = true)")
        else:
            raise DataError(f"{path.name}: engine 'duckdb' reads Parquet and CSV tables; read JSON Lines with "
                            "engine='pandas'")
        return nw.from_native(rel).lazy()
    if engine == "spark":
        if not parquet:
            raise DataError(f"{path.name}: engine 'spark' reads Parquet tables; convert it or use engine='duckdb'")
        from pyspark.sql import functions as F

        sdf = (handle.read.option("recursiveFileLookup", "true").parquet(str(path)) if files is None
               else handle.read.parquet(*[str(f) for f in files]))
        source = F.regexp_extract(F.col("_metadata.file_path"), pattern, 1) if path.is_dir() else F.lit(path.name)
        sdf = sdf.select("*", source.alias(_SOURCE), (F.col("_metadata.row_index") + 1).alias(_ROW))
        return nw.from_native(sdf)
    raise ParameterError(f"scan_table reads with 'duckdb' or 'spark', got {engine!r}")


def _type_problem(frame_name: str, col: Col, dtype: Any) -> str | None:
    ok = {"int": dtype.is_numeric(), "float": dtype.is_numeric(),
          "datetime": dtype in (nw.Datetime, nw.Date) or isinstance(dtype, nw.Datetime),
          "bool": dtype == nw.Boolean}.get(col.kind, True)
    if ok:
        return None
    return (f"{frame_name}, column {col.name!r}: expected {col.kind} values, found a column of {dtype} "
            "(an engine reads typed columns: write the Parquet with this type, convert the file with "
            "`carelib import`, or read the workspace with engine='pandas')")


def _typed(frame: nw.LazyFrame, spec: TableSpec, name: str) -> nw.LazyFrame:
    """Contract columns in their engine types: ids and text as strings, dates as naive UTC timestamps."""
    schema = frame.collect_schema()
    problems = [p for c in spec.columns if c.name in schema if (p := _type_problem(name, c, schema[c.name]))]
    if problems:
        raise DataError("\n".join(problems), problems=problems)
    out = []
    for c in spec.columns:
        if c.name not in schema:
            continue
        dtype, e = schema[c.name], nw.col(c.name)
        if c.kind in ("id", "str", "category") and dtype != nw.String:
            out.append(e.cast(nw.String))
        elif c.kind == "datetime" and getattr(dtype, "time_zone", None):
            out.append(e.dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        elif c.kind == "datetime" and dtype == nw.Date:
            out.append(e.cast(nw.Datetime()))
    return frame.with_columns(*out) if out else frame


def _rules(spec: TableSpec, columns: list[str], limit: pd.Timestamp) -> list[tuple[str, str, str, Any]]:
    """``(column, reason, expected, violated)`` per rule of the contract, ordered as the pandas path ranks them."""
    rules = []
    for c in sorted((c for c in spec.columns if c.name in columns), key=lambda c: c.name):
        e = nw.col(c.name)
        present = ~e.is_null()
        if c.kind == "int":
            rules.append((c.name, "not int", "an integer", present & (e.cast(nw.Float64).round(0) != e.cast(nw.Float64))))
        if not c.nullable:
            rules.append((c.name, "empty required cell", f"a value ({c.kind})", e.is_null()))
        if c.allowed is not None:
            rules.append((c.name, "value not allowed", f"one of {', '.join(c.allowed)}", present & ~e.is_in(list(c.allowed))))
        if c.min is not None:
            rules.append((c.name, "value not allowed", f"a value >= {c.min:g}", present & (e < c.min)))
        if c.max is not None:
            rules.append((c.name, "value not allowed", f"a value <= {c.max:g}", present & (e > c.max)))
        if c.kind == "datetime" and not c.future:
            rules.append((c.name, "date in the future", f"a date no later than {limit:%Y-%m-%d %H:%M}",
                          present & (e > nw.lit(limit.to_pydatetime()))))
        if c.name == "score" and "score_in_scale" in spec.checks:
            rules.append(("score", "score outside its scale", "a score on its survey's scale", _outside_scale(columns)))
    return rules


def _outside_scale(columns: list[str]) -> Any:
    score = nw.col("score").cast(nw.Float64)
    if "survey" not in columns:
        lo = min(lo for lo, _ in SCORE_SCALES.values())
        hi = max(hi for _, hi in SCORE_SCALES.values())
        return ~score.is_null() & ((score < lo) | (score > hi))
    survey = nw.col("survey")
    bad = ~score.is_null() & survey.is_null()  # a score needs its survey kind
    for kind, (lo, hi) in SCORE_SCALES.items():
        bad = bad | (~score.is_null() & (survey == kind) & ((score < lo) | (score > hi)))
    return bad


class Validated:
    """A table validated in its engine: the rows kept (lazy), rows read, rows set aside by reason, a sample.

    Attributes
    ----------
    located : narwhals LazyFrame
        The rows that meet the contract, with ``__source``/``__row`` (:meth:`in_file_order`).
    rows_read, rows_kept : int
        Rows in the source and rows kept.
    reasons : DataFrame
        ``reason, rows``: rows set aside counted under their first broken rule.
    rules : DataFrame
        ``column, reason, expected, rows``: rows breaking each rule (a row may break several).
    sample : DataFrame
        ``source, row, column, reason, expected, found``: the first :data:`SAMPLE_ROWS` rows set aside.
    """

    def __init__(self, located: nw.LazyFrame, rows_read: int, reasons: pd.DataFrame, rules: pd.DataFrame,
                 sample: pd.DataFrame) -> None:
        self.located, self.rows_read, self.reasons, self.rules, self.sample = located, rows_read, reasons, rules, sample

    @property
    def kept(self) -> nw.LazyFrame:
        """The rows that meet the contract (lazy, in no particular order: tallies need none)."""
        return self.located.drop(_SOURCE, _ROW)

    def in_file_order(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows kept as pandas, in the order of the files and their rows (for the pandas path); only
        ``columns`` when given (the engine reads those alone)."""
        return in_file_order(self.located, columns)

    def column_in_file_order(self, column: str) -> Any:
        """One kept column as a pyarrow array in file order (a roster of millions never becomes Python objects)."""
        frame = self.located.select(_SOURCE, _ROW, column).sort(_SOURCE, _ROW).select(column)
        return frame.collect().to_arrow().column(0)

    @property
    def rows_kept(self) -> int:
        return self.rows_read - int(self.reasons["rows"].sum())


def in_file_order(located: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of a located frame (:attr:`Validated.located`, or rows filtered from it) as pandas, in the order of the
    files and their rows, without the locating columns.

    Parameters
    ----------
    located : narwhals LazyFrame
        Rows with ``__source`` and ``__row``.
    columns : list of str, optional
        The columns returned (the engine reads those alone); default all.

    Returns
    -------
    DataFrame
    """
    frame = nw.from_native(located)
    if columns is not None:
        frame = frame.select(_SOURCE, _ROW, *columns)
    return frame.sort(_SOURCE, _ROW).drop(_SOURCE, _ROW).collect().to_pandas()


def _found(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return "an empty cell"
    return str(value) if isinstance(value, pd.Timestamp) else repr(value.item() if hasattr(value, "item") else value)


def validate_lazy(frame: nw.LazyFrame, spec: TableSpec, name: str, limit: pd.Timestamp) -> Validated:
    """Check ``frame`` (from :func:`scan_table`) against contract ``spec`` with queries in its engine.

    Parameters
    ----------
    frame : narwhals LazyFrame
        The table with ``__source`` and ``__row``.
    spec : TableSpec
        Its contract.
    name : str
        The table's file or folder name, for messages.
    limit : Timestamp
        Latest date an event may have (today plus two days, :func:`carelib.periods.future_limit`).

    Returns
    -------
    Validated
        Rows kept (lazy), counts by rule and by reason, and a sample of the rows set aside.
    """
    columns = [c for c in frame.collect_schema().names() if c not in (_SOURCE, _ROW)]
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing:
        raise DataError(f"{name}: missing required column(s) {', '.join(map(repr, missing))} "
                        f"(columns: {', '.join(columns[:12])})", problems=[f"{name}: missing column {m!r}" for m in missing])
    frame = _typed(frame, spec, name)
    rules = _rules(spec, columns, limit)
    unique = [c.name for c in spec.columns if c.unique and c.name in columns]
    flags = {f"r{i}": r[3] for i, r in enumerate(rules)}
    sums = [nw.when(e).then(nw.lit(1, nw.Int64)).otherwise(nw.lit(0, nw.Int64)).sum().cast(nw.Int64).alias(k)
            for k, e in flags.items()]
    # one pass counts the rows breaking every rule; the ids are checked apart (a distinct count of 64-bit hashes)
    got = frame.select(nw.len().cast(nw.Int64).alias("n"), *sums).collect().to_pandas().iloc[0]
    rows_read = int(got["n"])
    for u in unique:
        if duplicate_ids(frame, u):
            rules.append((u, "duplicate id", "a unique id",
                          ~nw.col(u).is_null() & ~nw.col(u).is_first_distinct().over(order_by=[_SOURCE, _ROW])))
            got[f"r{len(rules) - 1}"] = -1  # counted below, with the rows set aside
    firing = [i for i in range(len(rules)) if int(got[f"r{i}"])]
    rule_table = pd.DataFrame([{"column": rules[i][0], "reason": rules[i][1], "expected": rules[i][2],
                                "rows": int(got[f"r{i}"])} for i in firing], columns=["column", "reason", "expected", "rows"])
    if not firing:
        empty = pd.DataFrame({"reason": pd.Series(dtype=str), "rows": pd.Series(dtype="int64")})
        sample = pd.DataFrame(columns=["source", "row", "column", "reason", "expected", "found"])
        return Validated(frame, rows_read, empty, rule_table, sample)
    first: Any = nw.lit(None, nw.Int64)
    for i in reversed(firing):
        first = nw.when(rules[i][3]).then(nw.lit(i, nw.Int64)).otherwise(first)
    marked = frame.with_columns(first.alias(_RULE))
    by_rule = marked.filter(~nw.col(_RULE).is_null()).group_by(_RULE).agg(nw.len().cast(nw.Int64).alias("rows"))
    by_rule = by_rule.collect().to_pandas()
    reasons = (pd.DataFrame({"reason": [rules[int(i)][1] for i in by_rule[_RULE]], "rows": by_rule["rows"].astype("int64")})
               .groupby("reason", as_index=False)["rows"].sum()
               .sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True))
    for i in firing:
        if rules[i][1] == "duplicate id":
            rule_table.loc[rule_table["reason"] == "duplicate id", "rows"] = int(by_rule.loc[by_rule[_RULE] == i, "rows"].sum())
    shown = sorted({rules[i][0] for i in firing})
    rows = (marked.filter(~nw.col(_RULE).is_null()).select(_SOURCE, _ROW, _RULE, *shown)
            .sort(_SOURCE, _ROW).head(SAMPLE_ROWS).collect().to_pandas())
    sample = pd.DataFrame([{"source": r[_SOURCE], "row": int(r[_ROW]), "column": rules[int(r[_RULE])][0],
                            "reason": rules[int(r[_RULE])][1], "expected": rules[int(r[_RULE])][2],
                            "found": _found(r[rules[int(r[_RULE])][0]])} for _, r in rows.iterrows()],
                          columns=["source", "row", "column", "reason", "expected", "found"])
    return Validated(marked.filter(nw.col(_RULE).is_null()).drop(_RULE), rows_read, reasons, rule_table, sample)


#: Columns of the validation counts of one part of a table (:func:`validation_rows`): ``kind`` is ``read``
#: (rows read), ``reason`` (rows set aside under their first broken rule) or ``rule`` (rows breaking a rule).
VALIDATION_COLUMNS = ["kind", "column", "reason", "expected", "rows"]
SAMPLE_COLUMNS = ["source", "row", "column", "reason", "expected", "found"]


def validation_rows(checked: Validated) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counts of a :class:`Validated` part of a table as rows that add up across parts, and its sample.

    Rows read, rows set aside by reason and rows breaking each rule are sums over the parts of a table
    (its week partitions), so a tally store can keep them per week (:func:`validated_from_rows` adds them
    up again); the sample keeps file and row, so the first rows of the whole table are the first of
    the parts' samples.
    """
    rows = [{"kind": "read", "column": "", "reason": "", "expected": "", "rows": int(checked.rows_read)}]
    rows += [{"kind": "reason", "column": "", "reason": r.reason, "expected": "", "rows": int(r.rows)}
             for r in checked.reasons.itertuples()]
    rows += [{"kind": "rule", "column": r.column, "reason": r.reason, "expected": r.expected, "rows": int(r.rows)}
             for r in checked.rules.itertuples()]
    counts = pd.DataFrame(rows, columns=VALIDATION_COLUMNS).astype({"rows": "int64"})
    sample = checked.sample[SAMPLE_COLUMNS].astype({"row": "int64"}) if len(checked.sample) else \
        pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in SAMPLE_COLUMNS})
    return counts, sample


def validated_from_rows(frame: nw.LazyFrame, spec: TableSpec, name: str, limit: pd.Timestamp, counts: pd.DataFrame,
                        sample: pd.DataFrame) -> Validated:
    """A :class:`Validated` whole table from the summed counts of its parts (:func:`validation_rows`), no query run.

    The rows kept are ``frame`` (from :func:`scan_table`) without the rows breaking any rule that fired
    in some part; only valid when the parts' ids cannot collide (a duplicate id across parts needs the
    whole table: :func:`validate_lazy`).

    Parameters
    ----------
    frame : narwhals LazyFrame
        The whole table with ``__source`` and ``__row``.
    spec : TableSpec
        Its contract.
    name : str
        The table's folder name, for messages.
    limit : Timestamp
        Latest date an event may have.
    counts, sample : DataFrame
        The parts' :func:`validation_rows`, concatenated.

    Returns
    -------
    Validated
        Rows kept (lazy), counts by rule and by reason, and the first :data:`SAMPLE_ROWS` rows set aside.
    """
    frame = _typed(frame, spec, name)
    columns = [c for c in frame.collect_schema().names() if c not in (_SOURCE, _ROW)]
    rules = _rules(spec, columns, limit)
    rules += [(c.name, "duplicate id", "a unique id",
               ~nw.col(c.name).is_null() & ~nw.col(c.name).is_first_distinct().over(order_by=[_SOURCE, _ROW]))
              for c in spec.columns if c.unique and c.name in columns]
    rows_read = int(counts.loc[counts["kind"] == "read", "rows"].sum())
    reasons = (counts[counts["kind"] == "reason"].groupby("reason", as_index=False)["rows"].sum()
               .astype({"rows": "int64"}).sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True))
    fired = counts[counts["kind"] == "rule"].groupby(["column", "reason", "expected"], sort=False)["rows"].sum()
    order = {(c, r, e): i for i, (c, r, e, _) in enumerate(rules)}
    rule_table = pd.DataFrame([{"column": c, "reason": r, "expected": e, "rows": int(n)}
                               for (c, r, e), n in sorted(fired.items(), key=lambda kv: order.get(kv[0], len(order)))
                               if n], columns=["column", "reason", "expected", "rows"])
    firing = [e for (c, r, x, e) in rules if fired.get((c, r, x), 0)]
    kept = frame
    if firing:
        broken = firing[0]
        for e in firing[1:]:
            broken = broken | e
        kept = frame.filter(~broken.fill_null(False))
    first = sample.sort_values(["source", "row"], kind="stable").head(SAMPLE_ROWS).reset_index(drop=True)
    return Validated(kept, rows_read, reasons.reset_index(drop=True), rule_table, first)


def duplicate_ids(frame: Any, column: str) -> int:
    """Rows of ``frame`` whose ``column`` repeats an id of an earlier row (missing ids are not ids), counted exactly
    in its engine: ``count(id) - count(distinct id)``.

    The distinct count runs first over 64-bit hashes of the ids (DuckDB ``hash``, Spark ``xxhash64``): a table of
    integers, far smaller and faster than one of the id strings. As many distinct hashes as ids proves every id
    distinct; fewer (a duplicate, or a hash collision) and the exact count over the ids themselves decides.

    Examples
    --------
    >>> import duckdb
    >>> duplicate_ids(duckdb.sql("SELECT * FROM (VALUES ('a'), ('b'), ('a'), (NULL), (NULL)) t(id)"), "id")
    1
    """
    f = nw.from_native(frame)
    ids = f.filter(~nw.col(column).is_null()).select(column)
    native = nw.to_native(ids)
    if f.implementation is nw.Implementation.DUCKDB:
        n, hashed = native.aggregate(f'count(*), count(DISTINCT hash("{column}"))').fetchall()[0]
    elif f.implementation.is_pyspark():
        from pyspark.sql import functions as F

        row = native.agg(F.count(F.lit(1)), F.countDistinct(F.xxhash64(F.col(column)))).first()
        n, hashed = int(row[0]), int(row[1])
    else:
        n, hashed = None, None
    if n is not None and int(n) == int(hashed):
        return 0
    exact = ids.select(nw.len().cast(nw.Int64).alias("n"), nw.col(column).n_unique().cast(nw.Int64).alias("u"))
    got = exact.collect().to_pandas().iloc[0] if isinstance(exact, nw.LazyFrame) else exact.to_pandas().iloc[0]
    return int(got["n"]) - int(got["u"])


def iso_week_expr(column: str) -> Any:
    """ISO week labels (``"2026-W05"``) of a timestamp column as an engine expression (no Python per row).

    The ISO year is the year of the week's Thursday; the week is the Thursday's day of the year,
    divided by 7. Written with year, day-of-year and weekday only, so DuckDB and Spark agree.
    """
    t = nw.col(column)
    weekday = ((t.dt.weekday() + 6) % 7) + 1  # 1 = Monday … 7 = Sunday (Spark's Sunday is 0 here)
    year = t.dt.year()
    thursday = t.dt.ordinal_day() + 4 - weekday

    def days(y: Any) -> Any:
        leap = ((y % 4) == 0) & (((y % 100) != 0) | ((y % 400) == 0))
        return nw.when(leap).then(nw.lit(366)).otherwise(nw.lit(365))

    before, after = thursday < 1, thursday > days(year)
    iso_year = nw.when(before).then(year - 1).otherwise(nw.when(after).then(year + 1).otherwise(year))
    day = nw.when(before).then(thursday + days(year - 1)).otherwise(
        nw.when(after).then(thursday - days(year)).otherwise(thursday))
    week = ((day - 1) // 7 + 1).cast(nw.Int64)
    pad = nw.when(week < 10).then(nw.lit("0")).otherwise(nw.lit(""))
    label = nw.concat_str([iso_year.cast(nw.Int64).cast(nw.String), nw.lit("-W"), pad, week.cast(nw.String)])
    return nw.when(t.is_null()).then(nw.lit(None, nw.String)).otherwise(label)


def with_week_lazy(frame: Any, column: str, *, dated: bool = False) -> nw.LazyFrame:
    """``frame`` (lazy) with an ISO ``week`` column computed in its engine from timestamp ``column``.

    DuckDB formats the week itself (``%G-W%V``), Spark computes it with its own ``weekofyear``; other engines use
    :func:`iso_week_expr`.

    Parameters
    ----------
    frame : lazy frame
        Any frame narwhals reads, holding ``column``.
    column : str
        A timestamp column.
    dated : bool
        Keep only the rows with a date: a filter on ``column`` itself, before the week is computed (a filter on
        the computed week made DuckDB format every date twice, a third of a weekly tally's time).

    Returns
    -------
    narwhals LazyFrame
        ``frame`` with ``week`` (null where the date is).
    """
    frame = nw.from_native(frame)
    if column not in frame.collect_schema().names():
        raise DataError(f"expected a column {column!r}; columns are {frame.collect_schema().names()}")
    if dated:
        frame = frame.filter(~nw.col(column).is_null())
    if frame.implementation is nw.Implementation.DUCKDB:  # DuckDB's strftime knows ISO weeks (%G, %V): faster
        return frame.with_columns(nw.col(column).dt.to_string("%G-W%V").alias("week"))
    if frame.implementation.is_spark_like() and frame.implementation is not nw.Implementation.SQLFRAME:
        return nw.from_native(_spark_week(frame.to_native(), column))
    return frame.with_columns(iso_week_expr(column).alias("week"))


def with_known_weeks_lazy(frame: Any, column: str, weeks: Iterable[str]) -> nw.LazyFrame:
    """``frame`` with ``week`` where the date in ``column`` lies in one of ``weeks`` (null elsewhere): compared with
    the weeks' bounds rather than formatted, for the rows of a few week partitions already checked to lie in their
    weeks (a filter to those weeks then keeps exactly the rows :func:`with_week_lazy` would keep, at the cost of a
    few comparisons per row instead of formatting every date).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"at": pd.to_datetime(["2026-05-11 00:00", "2026-05-17 23:59", "2026-05-18 00:00", None])})
    >>> with_known_weeks_lazy(f, "at", ["2026-W20"]).collect().to_pandas()["week"].fillna("-").tolist()
    ['2026-W20', '2026-W20', '-', '-']
    """
    from carelib.periods import week_bounds

    frame = nw.from_native(frame).lazy()
    if column not in frame.collect_schema().names():
        raise DataError(f"expected a column {column!r}; columns are {frame.collect_schema().names()}")
    c = nw.col(column)
    label: Any = nw.lit(None, nw.String)
    for w in sorted(set(weeks), reverse=True):
        lo, hi = week_bounds(w)
        label = nw.when((c >= lo.to_pydatetime()) & (c < hi.to_pydatetime())).then(nw.lit(w, nw.String)).otherwise(label)
    return frame.with_columns(label.alias("week"))


def _spark_week(sdf: Any, column: str) -> Any:
    """Spark's own ISO week: ``weekofyear`` (ISO 8601) and the year of the week's Thursday. A far smaller plan than
    :func:`iso_week_expr` (Spark formats no week-based year), so each query plans and compiles faster."""
    from pyspark.sql import functions as F

    day = F.to_date(F.col(column))
    thursday = F.date_add(day, 3 - (F.dayofweek(day) + 5) % 7)  # dayofweek: 1 = Sunday; Monday → 0
    label = F.concat(F.year(thursday).cast("string"), F.lit("-W"), F.lpad(F.weekofyear(day).cast("string"), 2, "0"))
    return sdf.withColumn("week", F.when(F.col(column).isNull(), F.lit(None).cast("string")).otherwise(label))
