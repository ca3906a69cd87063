"""``carelib import``: apply a ``mapping.yml`` to an export and write validated workspace tables.

:func:`import_export` reads the export with :func:`carelib.data.sources.read_source`, makes each
table of the mapping (:mod:`carelib.data.mapping`), checks it against its contract with
:func:`carelib.data.tables.load_table` and writes it as ``WORKSPACE/<table>.csv`` (or, for
``interviews``, one ``WORKSPACE/interviews/<id>.txt`` transcript per interview). Nothing is
invented: a missing score, rating or date stays empty; a label no value map lists, a date that
can be read two ways, a header the export does not have and a value that breaks the contract
are errors naming the file, the row, the column, the value and the mapping line.

Every row is accounted for: rows in = rows written + rows set aside, by reason (a filter, an
empty item of a melted survey, a repeated record, a contract problem when the table says
``invalid: set-aside``). The counts are returned as an :class:`ImportReport` and written to
``WORKSPACE/import/report.csv``, the set-aside rows to ``WORKSPACE/import/set-aside.csv``
(outside the table files, so ``carelib validate`` does not read them as tables).

Dates are written in ISO 8601: a day as ``2020-03-04``, a time as ``2020-03-04 10:15:00`` in UTC
(naive times are read in the mapping's ``timezone``; without one they are kept as written), a
year as ``2012`` and a month as ``2012-08``, never as a made-up day.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from carelib.data.contracts import CONTRACTS
from carelib.data.importer_dates import column_dates, read_date
from carelib.data.mapping import ID_COLUMNS, DateRule, Mapping, TableMapping, read_mapping
from carelib.errors import DataError, ParameterError
from carelib.files import write_atomic

__all__ = ["ImportReport", "TableReport", "import_export", "read_date", "default_mapping",
           "REPORT_FILE", "SET_ASIDE_FILE"]

REPORT_FILE = Path("import") / "report.csv"
SET_ASIDE_FILE = Path("import") / "set-aside.csv"
MAX_LISTED = 20
_FILE, _ROW = "\x00file", "\x00row"  # where each row came from (never a header of an export)
_IDENTIFIER = re.compile(r"e-?mail|user ?name|\bhandle\b|screen.?name|phone|\bfull.?name\b|^name$|customer.?name|address", re.I)
_TEXT_KINDS = ("str",)


@dataclass(frozen=True)
class TableReport:
    """One table of an import: rows in, rows written, rows set aside by reason."""

    table: str
    source: str
    rows_in: int
    rows_written: int
    set_aside: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{self.table}: {self.rows_in} rows in from {self.source}, {self.rows_written} written, "
               f"{self.rows_in - self.rows_written} set aside"]
        out += [f"  set aside: {n} {reason}" for reason, n in sorted(self.set_aside.items(), key=lambda kv: -kv[1])]
        return out


@dataclass(frozen=True)
class ImportReport:
    """What an import did: one :class:`TableReport` per table and the files written."""

    workspace: Path
    tables: tuple[TableReport, ...]
    files: tuple[Path, ...]

    def summary(self) -> pd.DataFrame:
        """One row per table and reason: table, source, rows_in, rows_written, reason, rows."""
        rows = []
        for t in self.tables:
            base = {"table": t.table, "source": t.source, "rows_in": t.rows_in, "rows_written": t.rows_written}
            rows.append({**base, "reason": "written", "rows": t.rows_written})
            rows += [{**base, "reason": f"set aside: {r}", "rows": n} for r, n in t.set_aside.items()]
        return pd.DataFrame(rows, columns=["table", "source", "rows_in", "rows_written", "reason", "rows"])

    def lines(self) -> list[str]:
        return [line for t in self.tables for line in t.lines()]


@dataclass
class _Made:
    """A table made from the export, before it is checked: its rows, where each came from, what was set aside."""

    mapping: TableMapping
    source: str
    data: pd.DataFrame
    origin: pd.DataFrame  # _FILE, _ROW of each row of data
    rows_in: int
    aside: list[dict] = field(default_factory=list)
    src_of: dict[str, str] = field(default_factory=dict)  # target column -> the export header it came from


# ---------------------------------------------------------------- reading the export


def _read(kind: str, path: Path, sheet: str | None) -> list:
    from carelib.data.sources import read_source

    return read_source(kind, path, sheet=sheet)


def _with_origin(part: Any) -> pd.DataFrame:
    frame = part.frame.copy()
    frame[_FILE] = part.file.name
    frame[_ROW] = range(part.first_row, part.first_row + len(frame))
    return frame


def _frames(name: str, kind: str, source: Path, parts: list, sheet: str | None, line: str) -> pd.DataFrame:
    """The rows of a part name, or of the file(s) a glob names beside the export."""
    for p in parts:
        if p.name == name:
            return _with_origin(p)
    base = source if source.is_dir() else source.parent
    files = sorted(f for f in base.glob(name) if f.is_file())
    if not files:
        known = ", ".join(repr(p.name) for p in parts) or "none"
        raise DataError(f"{line}: `from: {name}` is neither a part of the export (parts: {known}) nor a file in {base}")
    frames = []
    for f in files:
        excel = f.suffix.lower() in (".xlsx", ".xlsm")
        read = _read("xlsx" if excel and kind == "csv" else "csv" if not excel and kind == "xlsx" else kind, f, sheet)
        frames.append(_with_origin(read[0]))
    return pd.concat(frames, ignore_index=True).fillna("")


def _norm(header: str) -> str:
    return re.sub(r"[\s_]+", " ", str(header).replace("\xa0", " ")).strip().lower()


def _column(frame: pd.DataFrame, name: str, where: str, file: str) -> str:
    """The frame's column for a header of the mapping: exact, else the same up to spaces and case."""
    if name in frame.columns:
        return name
    found = [c for c in frame.columns if c not in (_FILE, _ROW) and _norm(c) == _norm(name)]
    if len(found) == 1:
        return found[0]
    headers = [c for c in frame.columns if c not in (_FILE, _ROW)]
    near = [h for h in headers if _norm(name)[:6] and _norm(name)[:6] in _norm(h)][:3]
    hint = f"; similar: {', '.join(repr(h) for h in near)}" if near else ""
    shown = ", ".join(repr(h) for h in headers[:15]) + (" ..." if len(headers) > 15 else "")
    raise DataError(f"{where}: {file} has no column {name!r}{hint} (its columns: {shown})")


# ---------------------------------------------------------------- making a table


def _set_aside(made: _Made, mask: pd.Series, reason: str, column: str = "") -> None:
    if not mask.any():
        return
    for _, o in made.origin[mask.to_numpy()].iterrows():
        made.aside.append({"table": made.mapping.target, "file": o[_FILE], "row": o[_ROW], "reason": reason,
                           "column": column, "found": ""})
    keep = ~mask.to_numpy()
    made.data = made.data[keep].reset_index(drop=True)
    made.origin = made.origin[keep].reset_index(drop=True)


def _passes(col: pd.Series, op: str, value: Any) -> pd.Series:
    if op == "equals":
        return col.eq(str(value))
    if op == "not_equals":
        return col.ne(str(value))
    if op == "in":
        return col.isin(value)
    if op == "not_in":
        return ~col.isin(value)
    return col.ne("")


def _filter(made: _Made, m: Mapping, file: str) -> None:
    t = made.mapping
    for f in t.filters:
        col = made.data[_column(made.data, f.column, m.where(f.line), file)].str.strip()
        keep = _passes(col, f.op, f.value)
        _set_aside(made, ~keep, f"filter: {f.describe()}")


def _explode(frame: pd.DataFrame, t: TableMapping, m: Mapping, file: str) -> pd.DataFrame:
    e = t.explode
    src = _column(frame, e.column, m.where(e.line), file)
    rows = []
    for _, row in frame.iterrows():
        cell = row[src]
        try:
            items = json.loads(cell) if isinstance(cell, str) and cell.strip() else (cell or [])
        except json.JSONDecodeError:
            raise DataError(f"{row[_FILE]} row {row[_ROW]}, column {src!r}: expected a JSON list, found "
                            f"{str(cell)[:60]!r} ({m.where(e.line)})") from None
        for i, item in enumerate(items if isinstance(items, list) else [items], start=1):
            parts = item if isinstance(item, list) else [item.get(k, "") for k in e.into] if isinstance(item, dict) else [item]
            new = {k: "" if v is None else str(v) for k, v in zip(e.into, list(parts) + [""] * len(e.into), strict=False)}
            rows.append({**row.drop(src).to_dict(), **new, e.index: str(i)})
    return pd.DataFrame(rows, columns=[c for c in frame.columns if c != src] + [*e.into, e.index])


def _melt(frame: pd.DataFrame, t: TableMapping, m: Mapping, file: str) -> pd.DataFrame:
    mt = t.melt
    where = m.where(mt.line)
    items = ([_column(frame, c, where, file) for c in mt.columns] if mt.columns
             else [c for c in frame.columns if c not in (_FILE, _ROW, "@row", "@file") and re.search(mt.match, c)])
    if not items:
        raise DataError(f"{where}: melt.match {mt.match!r} matches no column of {file}")
    ids = [c for c in frame.columns if c not in items]
    long = frame.melt(id_vars=ids, value_vars=items, var_name=mt.question, value_name=mt.value)
    order = {c: i for i, c in enumerate(items)}
    long["\x00item"] = long[mt.question].map(order)
    long = long.sort_values([_ROW, "\x00item"], kind="stable").drop(columns="\x00item").reset_index(drop=True)
    long[mt.question] = long[mt.question].map(lambda c: re.sub(r"\s+", " ", str(c).replace("\xa0", " ")).strip())
    return long


def _dates(made: _Made, name: str, rule, where: str, src: str) -> pd.Series:
    col = made.data[name]
    out, problems = column_dates(col, rule, where)
    if problems:
        v, why = problems[0]
        pos = int(col.eq(v).to_numpy().argmax())
        o = made.origin.iloc[pos]
        more = f" (and {len(problems) - 1} other value(s))" if len(problems) > 1 else ""
        raise DataError(f"{o[_FILE]} row {o[_ROW]}, column {src!r}: {v!r} {why}{more} ({where})")
    return out


def _values(made: _Made, name: str, vm, where: str, src: str) -> pd.Series:
    col = made.data[name].str.strip()
    labels = {str(k).strip(): ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
              for k, v in vm.labels.items()}
    labels.update({str(k).strip(): "" for k in vm.missing})
    mapped = col.map(labels)
    bad = col.ne("") & mapped.isna()
    if bad.any() and vm.unmapped == "error":
        counts = col[bad].value_counts()
        pos = int(bad.to_numpy().argmax())
        o = made.origin.iloc[pos]
        shown = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.head(5).items())
        raise DataError(f"{o[_FILE]} row {o[_ROW]}, column {src!r}: label {col.iloc[pos]!r} is not in the value map "
                        f"({where}); unmapped labels: {shown}. Add each to the map (or `unmapped: keep`)")
    return mapped.where(~col.eq(""), "").fillna(col)


def _hash_ids(made: _Made, t: TableMapping, m: Mapping, file: str) -> pd.Series:
    rule = t.id
    cols = [_column(made.data, c, m.where(rule.line), file) for c in rule.hash]
    keys = made.data[cols].astype(str).agg("\x1f".join, axis=1)
    ids = keys.map(lambda k: rule.prefix + hashlib.sha256(k.encode("utf-8")).hexdigest()[: rule.length])
    seen = ids.groupby(ids).cumcount()  # identical rows: -2, -3 ... in file order
    return ids.where(seen.eq(0), ids + "-" + (seen + 1).astype(str))


def _check_privacy(t: TableMapping, m: Mapping) -> None:
    text_cols = set(INTERVIEW_TEXT) if t.target == "interviews" else {
        c.name for c in CONTRACTS[t.target].columns if c.kind in _TEXT_KINDS and c.name not in ("name", "email", "phone")}
    for target, src in [*t.columns.items(), *t.segments.items()]:
        is_segment = target in t.segments and target not in t.columns
        if (is_segment or target in text_cols) and _IDENTIFIER.search(src):
            key = f"segments.{target}" if is_segment else f"columns.{target}"
            raise DataError(f"{m.where(t.line_of(key))}: {src!r} looks like a personal identifier; it would become "
                            f"free text in {t.target}.{target}. Map it to an id column (customer_id, author_id, "
                            "participant_id) so redaction can find it, or leave it out")


INTERVIEW_TEXT = ("text", "speaker")


def _make(t: TableMapping, m: Mapping, kind: str, source: Path, parts: list, sheet: str | None) -> _Made:
    where = m.where(t.line_of("from"))
    if t.source is None:
        if len(parts) != 1:
            what = (f"the export has parts {', '.join(repr(p.name) for p in parts)}" if parts
                    else f"{source.name} is a folder: name the files in it, e.g. `from: \"*.csv\"`")
            raise DataError(f"{m.where(t.line)}: tables.{t.target} needs `from:` ({what})")
        frame, name = _with_origin(parts[0]), parts[0].file.name
    else:
        frame = _frames(t.source, kind, source, parts, sheet, where)
        name = ", ".join(dict.fromkeys(frame[_FILE])) if len(frame) else t.source
    file = name if len(name) < 80 else t.source
    if t.missing:
        blank = frame.drop(columns=[_FILE, _ROW]).apply(lambda c: c.str.strip().isin(t.missing))
        frame[blank.columns] = frame[blank.columns].mask(blank, "")
    frame["@row"], frame["@file"] = frame[_ROW].astype(str), frame[_FILE]
    if t.explode is not None:
        frame = _explode(frame, t, m, file)
    if t.melt is not None:
        frame = _melt(frame, t, m, file)
    if t.join is not None:
        other = _frames(t.join.source, kind, source, parts, sheet, m.where(t.join.line))
        on = _column(frame, t.join.on, m.where(t.join.line), file)
        on2 = _column(other, t.join.on, m.where(t.join.line), t.join.source)
        if other[on2].duplicated().any():
            raise DataError(f"{m.where(t.join.line)}: {t.join.source} repeats key {on2!r} values "
                            f"(e.g. {other.loc[other[on2].duplicated(), on2].iloc[0]!r}): a join needs one row per key")
        extra = other.drop(columns=[_FILE, _ROW]).rename(columns={on2: on})
        extra = extra[[on] + [c for c in extra.columns if c not in frame.columns]]
        frame = frame.merge(extra, on=on, how="left").fillna("")
    frame = frame.reset_index(drop=True)
    made = _Made(t, file, frame, frame[[_FILE, _ROW]], len(frame))
    if t.melt is not None and t.melt.drop_empty:
        _set_aside(made, made.data[t.melt.value].str.strip().eq(""), "empty answer (melt.drop_empty)")
    _filter(made, m, file)
    made.data = _build(made, t, m, file)
    return made


def _build(made: _Made, t: TableMapping, m: Mapping, file: str) -> pd.DataFrame:
    _check_privacy(t, m)
    src_of: dict[str, str] = {}
    out = pd.DataFrame(index=made.data.index)
    for target, header in t.columns.items():
        src = _column(made.data, header, m.where(t.line_of(f"columns.{target}")), file)
        src_of[target] = src
        out[target] = made.data[src].astype(str).str.strip()
    for target, value in t.constants.items():
        out[target] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        src_of[target] = f"constant {target}"
    for target, header in t.segments.items():
        if target not in out:
            src_of[target] = _column(made.data, header, m.where(t.line_of(f"segments.{target}")), file)
            out[target] = made.data[src_of[target]].astype(str).str.strip()
    view = _Made(t, made.source, out, made.origin, made.rows_in)
    for target, vm in t.values.items():
        if target not in out:
            raise DataError(f"{m.where(vm.line)}: values.{target}: {target!r} is not made by `columns:` or `constants:`")
        out[target] = _values(view, target, vm, m.where(vm.line), src_of[target])
    dated = {} if t.target == "interviews" else {
        c.name: DateRule((), t.line_of(f"columns.{c.name}")) for c in CONTRACTS[t.target].columns
        if c.kind == "datetime" and c.name in out}
    for target, rule in {**dated, **t.dates}.items():
        if target not in out:
            raise DataError(f"{m.where(rule.line)}: dates.{target}: {target!r} is not made by `columns:`")
        out[target] = _dates(view, target, rule, m.where(rule.line), src_of[target])
    if t.id is not None:
        id_col = ID_COLUMNS[t.target]
        if t.id.column:
            src = _column(made.data, t.id.column, m.where(t.id.line), file)
            out[id_col] = t.id.prefix + made.data[src].astype(str).str.strip()
            out.loc[made.data[src].str.strip().eq(""), id_col] = ""
        else:
            out[id_col] = _hash_ids(made, t, m, file)
        src_of[id_col] = t.id.column or "id hash"
    made.src_of = src_of
    return _ordered(out, t.target, list(t.segments))


def _ordered(out: pd.DataFrame, target: str, segments: list[str]) -> pd.DataFrame:
    if target == "interviews":
        from carelib.data.mapping import INTERVIEW_COLUMNS as order
    else:
        order = tuple(c.name for c in CONTRACTS[target].columns)
    first = [c for c in order if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]


# ---------------------------------------------------------------- checking and writing


def _required(made: _Made, m: Mapping) -> None:
    t = made.mapping
    need = ("interview_id", "speaker", "text") if t.target == "interviews" else tuple(
        c.name for c in CONTRACTS[t.target].columns if c.required)
    if t.target != "interviews":  # a column the export lacks but the contract lets be empty: present, empty
        for c in CONTRACTS[t.target].columns:
            if c.required and c.nullable and c.name not in made.data.columns:
                made.data[c.name] = ""
        made.data = _ordered(made.data, t.target, list(t.segments))
    missing = [c for c in need if c not in made.data.columns]
    if missing:
        raise DataError(f"{m.where(t.line)}: tables.{t.target} makes no {', '.join(repr(c) for c in missing)} "
                        f"(required by the contract): add {'it' if len(missing) == 1 else 'them'} under `columns:` "
                        "(a header of the export), `constants:` or `id:`")


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def _validate(made: _Made, m: Mapping, today: Any) -> None:
    """Check the made table against its contract; problems raise (or are set aside with ``invalid: set-aside``)."""
    from carelib.data.tables import load_table

    t = made.mapping
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{t.target}.csv"
        path.write_text(_csv(made.data), encoding="utf-8")
        _, report = load_table(path, t.target, errors="exclude", today=today)
    problems = report.exclusions
    if problems.empty:
        return
    src_of = made.src_of
    lines, bad = [], []
    for p in problems.itertuples(index=False):
        pos = int(p.row) - 2  # CSV row 2 is the first record
        o = made.origin.iloc[pos]
        col = p.column if isinstance(p.column, str) else ""
        key = f"columns.{col}" if col in t.columns else f"constants.{col}" if col in t.constants else "id" if col == ID_COLUMNS.get(t.target) else ""
        src = src_of.get(col, col)
        lines.append(f"{o[_FILE]} row {o[_ROW]}, column {src!r} -> {t.target}.{col}: {p.reason}: expected "
                     f"{p.expected}, found {p.found} ({m.where(t.line_of(key) if key else t.line)})")
        bad.append((pos, f"contract: {p.reason} ({col})" if col else f"contract: {p.reason}", col, str(p.found)))
    if t.invalid == "error":
        more = f"\n... and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
        raise DataError(f"{t.target}: {len(lines)} value(s) break the contract (or say `invalid: set-aside` in "
                        f"{m.name} to set those rows aside)\n" + "\n".join(lines[:MAX_LISTED]) + more, problems=lines)
    first = {}
    for pos, reason, col, found in bad:
        first.setdefault(pos, (reason, col, found))
    mask = pd.Series(False, index=made.data.index)
    mask.iloc[list(first)] = True
    for pos, (reason, col, found) in sorted(first.items()):
        o = made.origin.iloc[pos]
        made.aside.append({"table": t.target, "file": o[_FILE], "row": o[_ROW], "reason": reason, "column": col,
                           "found": found})
    keep = ~mask.to_numpy()
    made.data = made.data[keep].reset_index(drop=True)
    made.origin = made.origin[keep].reset_index(drop=True)


def _safe_stem(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", value).strip("._") or "interview"


def _interviews(made: _Made, out: Path) -> list[Path]:
    """One ``Speaker: text`` transcript per interview id, turns in order; turns without text are set aside."""
    for column, reason in (("text", "no text"), ("speaker", "no speaker"), ("interview_id", "no interview id")):
        _set_aside(made, made.data[column].str.strip().eq(""), reason, column)
    data = made.data.assign(_pos=range(len(made.data)))
    if "turn" in data.columns:
        data = data.assign(_turn=pd.to_numeric(data["turn"], errors="coerce")).sort_values(
            ["interview_id", "_turn", "_pos"], kind="stable")
    stems = pd.Series({iid: _safe_stem(str(iid)) for iid in data["interview_id"].unique()})
    clash = stems[stems.duplicated(keep=False)]
    if not clash.empty:
        raise DataError(f"interviews: ids {', '.join(repr(i) for i in clash.index[:3])} give one file name "
                        f"{clash.iloc[0]!r}.txt: use an id with letters, digits, '.', '_' or '-' only (or `prefix:`)")
    files = []
    for iid, turns in data.groupby("interview_id", sort=True):
        body = "".join(f"{s.strip()}: {' '.join(str(x).split())}\n" for s, x in zip(turns["speaker"], turns["text"], strict=True))
        files.append(write_atomic(out / "interviews" / f"{stems[iid]}.txt", body))
    return files


def _distinct(made: _Made) -> None:
    # the id is left out of the comparison: a hashed id of identical rows carries a -2, -3 suffix
    id_col = ID_COLUMNS.get(made.mapping.target)
    same = [c for c in made.data.columns if c != id_col] or list(made.data.columns)
    _set_aside(made, made.data.duplicated(subset=same, keep="first"), "same record as an earlier row (distinct: true)")


def _apply_mapping(mapping: Mapping, kind: str, source: str | Path, *, sheet: str | None = None,
                  today: Any = None) -> list[_Made]:
    """Make every table of ``mapping`` from the export at ``source`` (nothing is written)."""
    source = Path(source)
    if not source.exists():
        raise DataError(f"export {str(source)!r} not found")
    parts = [] if source.is_dir() else _read(kind, source, sheet)
    made = []
    for t in mapping.tables.values():
        one = _make(t, mapping, kind, source, parts, sheet)
        _required(one, mapping)
        if t.distinct:
            _distinct(one)
        if t.target != "interviews":
            _validate(one, mapping, today)
        made.append(one)
    return made


def default_mapping(kind: str) -> Path | None:
    """The built-in mapping of an export kind with fixed columns (``carelib/resources/mappings/<kind>.yml``)."""
    path = Path(__file__).resolve().parents[1] / "resources" / "mappings" / f"{kind}.yml"
    return path if path.is_file() else None


def import_export(kind: str, source: str | Path, out: str | Path, mapping: str | Path | Mapping | None = None, *,
                  sheet: str | None = None, today: Any = None) -> ImportReport:
    """Import an export into a workspace folder: make, check and write each table of the mapping.

    Parameters
    ----------
    kind : str
        The export kind (:data:`carelib.data.sources.SOURCE_KINDS`: ``csv``, ``cfpb``, ``surveymonkey`` ...).
    source : str or Path
        The export file, or a folder when the mapping's ``from:`` names files in it.
    out : str or Path
        The workspace folder (created if needed); each table's file is replaced.
    mapping : path or Mapping, optional
        The mapping; default: the built-in mapping of ``kind``, if there is one.
    sheet : str, optional
        The Excel sheet to read.
    today : str or Timestamp, optional
        The run's today for the contract's "date in the future" check.

    Returns
    -------
    ImportReport
        Rows in, written and set aside (by reason) per table; also written to ``import/report.csv``.
    """
    if mapping is None:
        mapping = default_mapping(kind)
        if mapping is None:
            raise ParameterError(f"no built-in mapping for kind {kind!r}: write one with `carelib import {kind} "
                                 f"{source} --infer --map mapping.yml`, edit it, then pass --map mapping.yml")
    m = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    out = Path(out)
    made = _apply_mapping(m, kind, source, sheet=sheet, today=today)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    reports = []
    for one in made:
        if one.mapping.target == "interviews":
            files += _interviews(one, out)
        else:
            files.append(write_atomic(out / f"{one.mapping.target}.csv", _csv(one.data)))
        reasons: dict[str, int] = {}
        for a in one.aside:
            reasons[a["reason"]] = reasons.get(a["reason"], 0) + 1
        reports.append(TableReport(one.mapping.target, one.source, one.rows_in, len(one.data), reasons))
        if one.rows_in != len(one.data) + len(one.aside):  # a gap is a carelib bug: say it loudly
            raise DataError(f"{one.mapping.target}: {one.rows_in} rows in, {len(one.data)} written and "
                            f"{len(one.aside)} set aside: the counts do not add up")
    report = ImportReport(out, tuple(reports), tuple(files))
    write_atomic(out / REPORT_FILE, _csv(report.summary()))
    aside = pd.DataFrame([a for one in made for a in one.aside],
                         columns=["table", "file", "row", "reason", "column", "found"])
    write_atomic(out / SET_ASIDE_FILE, _csv(aside))
    return report
