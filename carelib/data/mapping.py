"""The ``mapping.yml`` language: how one export becomes workspace tables.

A mapping file names, per target table, where its rows come from and how each column is
made. It is parsed with line numbers, so every error (here and in
:mod:`carelib.data.importer`) names the mapping file and the line to fix. The complete
reference is ``docs/your-own-data.md``; in short::

    tables:
      complaints:                      # a workspace table, or `interviews` (transcript files)
        from: complaints               # a part of the export, or a file (glob) beside it
        missing: ["Not Stated", "N/A"] # cells that mean "no value" in this export
        filter:                        # rows kept; the others are set aside with the reason
          - {column: Status, equals: Complete}
        id: {hash: [date_received, product, issue], prefix: cfpb-}   # or {column: "Complaint ID"}
        columns: {received_at: date_received, category: product}     # target: source header
        constants: {survey: enps}
        values:                        # labels -> values; every label must be listed
          score: {map: {"Yes": 10, "No": 0}, meaning: "recommend yes = promoter, no = detractor"}
        dates:
          received_at: {format: "%Y-%m-%d", dayfirst: false, timezone: America/Chicago}
        segments: [state]              # copied as free-text attribute columns
        melt: {columns: [Q1, Q2], question: item, value: answer}      # one row per item
        explode: {column: turns, into: [speaker, text], index: turn}  # one row per list element
        join: {file: answers.csv, on: Respondent ID}                  # more columns by key

Nothing here reads data: :func:`parse_mapping` checks the structure and the target
columns against :mod:`carelib.data.contracts`; the source headers are checked when the
mapping is applied to an export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from carelib.data.contracts import CONTRACTS
from carelib.errors import DataError

__all__ = [
    "Mapping", "TableMapping", "ValueMap", "DateRule", "IdRule", "Filter", "Melt", "Explode", "Join",
    "TARGETS", "ID_COLUMNS", "INTERVIEW_COLUMNS", "parse_mapping", "read_mapping", "slug", "zone",
]

#: the turn columns an ``interviews`` mapping fills (each interview becomes ``interviews/<id>.txt``)
INTERVIEW_COLUMNS = ("interview_id", "speaker", "text", "turn")
#: every table a mapping can fill
TARGETS = (*CONTRACTS, "interviews")
#: the id column of each target (filled by ``id:``)
ID_COLUMNS = {name: next(c.name for c in spec.columns if c.unique) for name, spec in CONTRACTS.items()}
ID_COLUMNS["interviews"] = "interview_id"

_TABLE_KEYS = ("from", "missing", "filter", "id", "columns", "constants", "values", "dates", "segments",
               "melt", "explode", "join", "invalid", "distinct")
_FILTER_OPS = ("equals", "not_equals", "in", "not_in", "not_empty")
_YES_NO = {"yes", "no", "y", "n", "true", "false", "1", "0", "oui", "non", "ja", "nein", "si", "sí"}


@dataclass(frozen=True)
class ValueMap:
    """Labels of a source column and the values they stand for (``"Very satisfied": 5``)."""

    labels: dict[str, Any]
    line: int
    meaning: str = ""
    unmapped: str = "error"  # or "keep": a label not listed is copied as it is
    missing: tuple[str, ...] = ()  # labels that mean "no answer" in this column: written empty


@dataclass(frozen=True)
class DateRule:
    """How a date column is read: formats tried in order, day-first reading, the time zone of naive times."""

    formats: tuple[str, ...]
    line: int
    dayfirst: bool | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class IdRule:
    """The table's id: one source column, or a stable hash (SHA-256) of named columns."""

    line: int
    column: str | None = None
    hash: tuple[str, ...] = ()
    prefix: str = ""
    length: int = 12


@dataclass(frozen=True)
class Filter:
    """Keep the rows whose ``column`` passes ``op`` (``equals``, ``in`` ...); the others are set aside."""

    column: str
    op: str
    value: Any
    line: int

    def describe(self) -> str:
        if self.op == "not_empty":
            return f"{self.column!r} is empty"
        if self.op in ("in", "not_in"):
            shown = ", ".join(repr(str(v)) for v in self.value)
            return f"{self.column!r} {'not ' if self.op == 'in' else ''}in [{shown}]"
        return f"{self.column!r} {'!=' if self.op == 'equals' else '=='} {str(self.value)!r}"


@dataclass(frozen=True)
class Melt:
    """Wide to long: one row per item column, the item in ``question``, its answer in ``value``."""

    columns: tuple[str, ...]
    match: str | None
    question: str
    value: str
    drop_empty: bool
    line: int


@dataclass(frozen=True)
class Explode:
    """A cell holding a JSON list becomes one row per element (lists are split ``into`` named columns)."""

    column: str
    into: tuple[str, ...]
    index: str
    line: int


@dataclass(frozen=True)
class Join:
    """Columns of a second file (or part) added by a key, one row per key in that file."""

    source: str
    on: str
    line: int


@dataclass(frozen=True)
class TableMapping:
    """How one target table is made; ``lines`` holds the mapping-file line of each entry (``columns.score``)."""

    target: str
    line: int
    source: str | None = None
    missing: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    id: IdRule | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, ValueMap] = field(default_factory=dict)
    dates: dict[str, DateRule] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)
    melt: Melt | None = None
    explode: Explode | None = None
    join: Join | None = None
    invalid: str = "error"
    distinct: bool = False
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        """Line of ``key`` (``columns.score``), else of its section, else of the table."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return self.line


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file: its name (for messages) and its tables, in file order."""

    name: str
    tables: dict[str, TableMapping]
    kind: str | None = None

    def where(self, line: int) -> str:
        return f"{self.name} line {line}"


def slug(header: str) -> str:
    """A column name for a segment header: lower case, words joined by ``_``.

    Examples
    --------
    >>> slug("Employment Status")
    'employment_status'
    >>> slug("1. How frequently do you use Jupyter?")
    '1_how_frequently_do_you_use_jupyter'
    """
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_") or "column"


def zone(name: str) -> tzinfo:
    """A time zone from an IANA name (``Europe/Paris``) or a fixed offset (``UTC-06:00``, ``+02:00``).

    Examples
    --------
    >>> zone("UTC-06:00")
    datetime.timezone(datetime.timedelta(days=-1, seconds=64800))
    """
    m = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", name.strip())
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    if name.strip().upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(f"unknown time zone {name!r}: expected an IANA name (Europe/Paris, America/Chicago) "
                        "or an offset (UTC-06:00)") from None


class _Node:
    """A YAML value with its line (1-based), built from yaml.compose nodes."""

    __slots__ = ("value", "line", "key_line")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line
        self.key_line = line  # the line of the key this value is under (set by its mapping)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    if node.style in ("'", '"') or tag == "str":
        return node.value
    if tag in ("int", "float"):
        return yaml.safe_load(node.value)
    if tag == "bool":
        return node.value.lower() in ("true", "yes", "on", "y")
    if tag == "null":
        return None
    return node.value


def _tree(node: yaml.Node, where: str) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for key, val in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise DataError(f"{where} line {key.start_mark.line + 1}: expected a plain key, found a {key.id}")
            if key.value in out:
                raise DataError(f"{where} line {key.start_mark.line + 1}: key {key.value!r} is given twice")
            out[key.value] = _tree(val, where)  # keys stay as written: `Yes:` is the label "Yes"
            out[key.value].key_line = key.start_mark.line + 1
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_tree(v, where) for v in node.value], line)
    return _Node(_scalar(node), line)


def _plain(n: _Node) -> Any:
    if isinstance(n.value, dict):
        return {k: _plain(v) for k, v in n.value.items()}
    if isinstance(n.value, list):
        return [_plain(v) for v in n.value]
    return n.value


class _Reader:
    """Checks one mapping file's structure; every error names the file and the line."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, line: int, message: str) -> DataError:
        return DataError(f"{self.where} line {line}: {message}")

    def mapping(self, n: _Node, what: str) -> dict[str, _Node]:
        if not isinstance(n.value, dict):
            raise self.fail(n.line, f"{what}: expected a mapping of name: value, found {_shown(n)}")
        return n.value

    def text(self, n: _Node, what: str) -> str:
        if isinstance(n.value, dict | list) or n.value is None:
            raise self.fail(n.line, f"{what}: expected a column name or text, found {_shown(n)}")
        return str(n.value)

    def texts(self, n: _Node, what: str) -> tuple[str, ...]:
        items = n.value if isinstance(n.value, list) else [n]
        return tuple(self.text(i, what) for i in items)

    def flag(self, n: _Node, what: str) -> bool:
        if not isinstance(n.value, bool):
            raise self.fail(n.line, f"{what}: expected true or false, found {_shown(n)}")
        return n.value

    def keys(self, d: dict[str, _Node], allowed: tuple[str, ...], what: str, line: int) -> None:
        for k, v in d.items():
            if k not in allowed:
                raise self.fail(v.line, f"{what}: unknown key {k!r}; expected one of {', '.join(allowed)}")


def _shown(n: _Node) -> str:
    if isinstance(n.value, dict):
        return "a mapping"
    if isinstance(n.value, list):
        return "a list"
    return "nothing" if n.value is None else repr(n.value)


def _target_columns(target: str) -> tuple[str, ...]:
    if target == "interviews":
        return INTERVIEW_COLUMNS
    return tuple(c.name for c in CONTRACTS[target].columns)


def _check_target(r: _Reader, target: str, name: str, line: int, what: str, extra: set[str] = frozenset()) -> None:
    known = _target_columns(target)
    if name not in known and name not in extra:
        near = [k for k in known if k.split("_")[0] == name.split("_")[0] or k.startswith(name[:3])]
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise r.fail(line, f"{what}: table {target!r} has no column {name!r}{hint}; its columns are {', '.join(known)}")


def _value_map(r: _Reader, n: _Node, what: str) -> ValueMap:
    d = r.mapping(n, what)
    structured = "map" in d and set(d) <= {"map", "meaning", "unmapped", "missing"}
    labels_node = d["map"] if structured else n
    labels = {k: _plain(v) for k, v in r.mapping(labels_node, what).items()}
    for k, v in labels.items():
        if isinstance(v, dict | list):
            raise r.fail(labels_node.value[k].line, f"{what}: label {k!r} must map to one value, found a {type(v).__name__}")
    meaning = r.text(d["meaning"], f"{what}.meaning") if structured and "meaning" in d else ""
    unmapped = r.text(d["unmapped"], f"{what}.unmapped") if structured and "unmapped" in d else "error"
    missing = r.texts(d["missing"], f"{what}.missing") if structured and "missing" in d else ()
    if unmapped not in ("error", "keep"):
        raise r.fail(d["unmapped"].line, f"{what}.unmapped: expected 'error' or 'keep', found {unmapped!r}")
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in labels.values())
    if labels and numeric and not meaning and {k.strip().lower() for k in labels} <= _YES_NO:
        raise r.fail(n.line, f"{what}: yes/no labels mapped to scores ({', '.join(f'{k}: {v}' for k, v in labels.items())}) "
                     "need a declared meaning, e.g. `meaning: \"recommend yes = promoter (10), no = detractor (0)\"` "
                     "under `map:`; the metric then reads the answer as that, and the report says so")
    return ValueMap(labels, n.line, meaning, unmapped, missing)


def _date_rule(r: _Reader, n: _Node, what: str) -> DateRule:
    d = r.mapping(n, what) if isinstance(n.value, dict) else {"format": n}
    r.keys(d, ("format", "dayfirst", "timezone"), what, n.line)
    formats = r.texts(d["format"], f"{what}.format") if "format" in d else ()
    for f in formats:
        if "%" not in f:
            raise r.fail(d["format"].line, f"{what}.format: {f!r} is not a strftime format (e.g. '%d/%m/%Y')")
    dayfirst = r.flag(d["dayfirst"], f"{what}.dayfirst") if "dayfirst" in d else None
    tz = r.text(d["timezone"], f"{what}.timezone") if "timezone" in d else None
    if tz is not None:
        try:
            zone(tz)
        except DataError as exc:
            raise r.fail(d["timezone"].line, f"{what}.timezone: {exc}") from None
    return DateRule(formats, n.line, dayfirst, tz)


def _id_rule(r: _Reader, n: _Node, what: str) -> IdRule:
    if not isinstance(n.value, dict):
        return IdRule(n.line, column=r.text(n, what))
    d = r.mapping(n, what)
    r.keys(d, ("column", "hash", "prefix", "length"), what, n.line)
    if ("column" in d) == ("hash" in d):
        raise r.fail(n.line, f"{what}: give either `column: <header>` or `hash: [headers]`")
    length = d["length"].value if "length" in d else 12
    if not isinstance(length, int) or isinstance(length, bool) or not 6 <= length <= 64:
        raise r.fail(d["length"].line, f"{what}.length: expected a whole number 6-64, found {length!r}")
    prefix = r.text(d["prefix"], f"{what}.prefix") if "prefix" in d else ""
    if "column" in d:
        return IdRule(n.line, column=r.text(d["column"], f"{what}.column"), prefix=prefix)
    return IdRule(n.line, hash=r.texts(d["hash"], f"{what}.hash"), prefix=prefix, length=length)


def _filters(r: _Reader, n: _Node, what: str) -> tuple[Filter, ...]:
    items = n.value if isinstance(n.value, list) else [n]
    out = []
    for item in items:
        d = r.mapping(item, what)
        ops = [k for k in d if k in _FILTER_OPS]
        r.keys(d, ("column", *_FILTER_OPS), what, item.line)
        if "column" not in d or len(ops) != 1:
            raise r.fail(item.line, f"{what}: expected `column: <header>` and one of {', '.join(_FILTER_OPS)}")
        op = ops[0]
        value = _plain(d[op])
        if op in ("in", "not_in"):
            value = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
        out.append(Filter(r.text(d["column"], what), op, value, item.line))
    return tuple(out)


def _melt(r: _Reader, n: _Node, what: str) -> Melt:
    d = r.mapping(n, what)
    r.keys(d, ("columns", "match", "question", "value", "drop_empty"), what, n.line)
    if ("columns" in d) == ("match" in d):
        raise r.fail(n.line, f"{what}: give either `columns: [headers]` or `match: <regular expression>`")
    match = r.text(d["match"], f"{what}.match") if "match" in d else None
    if match is not None:
        try:
            re.compile(match)
        except re.error as exc:
            raise r.fail(d["match"].line, f"{what}.match: not a regular expression ({exc})") from None
    return Melt(r.texts(d["columns"], f"{what}.columns") if "columns" in d else (), match,
                r.text(d["question"], f"{what}.question") if "question" in d else "question",
                r.text(d["value"], f"{what}.value") if "value" in d else "answer",
                r.flag(d["drop_empty"], f"{what}.drop_empty") if "drop_empty" in d else False, n.line)


def _explode(r: _Reader, n: _Node, what: str) -> Explode:
    d = r.mapping(n, what)
    r.keys(d, ("column", "into", "index"), what, n.line)
    if "column" not in d:
        raise r.fail(n.line, f"{what}: expected `column: <header holding a list>`")
    into = r.texts(d["into"], f"{what}.into") if "into" in d else ("item",)
    return Explode(r.text(d["column"], f"{what}.column"), into,
                   r.text(d["index"], f"{what}.index") if "index" in d else "index", n.line)


def _table(r: _Reader, target: str, n: _Node) -> TableMapping:
    what = f"tables.{target}"
    if target not in TARGETS:
        raise r.fail(n.key_line, f"unknown table {target!r}; expected one of {', '.join(TARGETS)}")
    d = r.mapping(n, what)
    r.keys(d, _TABLE_KEYS, what, n.line)
    lines: dict[str, int] = {k: v.line for k, v in d.items()}
    kw: dict[str, Any] = {}
    if "from" in d:
        kw["source"] = r.text(d["from"], f"{what}.from")
    if "missing" in d:
        kw["missing"] = r.texts(d["missing"], f"{what}.missing")
    if "filter" in d:
        kw["filters"] = _filters(r, d["filter"], f"{what}.filter")
    if "id" in d:
        kw["id"] = _id_rule(r, d["id"], f"{what}.id")
    if "invalid" in d:
        kw["invalid"] = r.text(d["invalid"], f"{what}.invalid")
        if kw["invalid"] not in ("error", "set-aside"):
            raise r.fail(d["invalid"].line, f"{what}.invalid: expected 'error' or 'set-aside', found {kw['invalid']!r}")
    if "distinct" in d:
        kw["distinct"] = r.flag(d["distinct"], f"{what}.distinct")
    for key, parse in (("melt", _melt), ("explode", _explode)):
        if key in d:
            kw[key] = parse(r, d[key], f"{what}.{key}")
    if "join" in d:
        j = r.mapping(d["join"], f"{what}.join")
        r.keys(j, ("file", "from", "on"), f"{what}.join", d["join"].line)
        src = j.get("file") or j.get("from")
        if src is None or "on" not in j:
            raise r.fail(d["join"].line, f"{what}.join: expected `file: <file or part>` and `on: <key header>`")
        kw["join"] = Join(r.text(src, f"{what}.join.file"), r.text(j["on"], f"{what}.join.on"), d["join"].line)
    segs: dict[str, str] = {}
    if "segments" in d:
        s = d["segments"]
        pairs = ([(slug(r.text(i, f"{what}.segments")), i) for i in s.value] if isinstance(s.value, list)
                 else list(r.mapping(s, f"{what}.segments").items()))
        for name, node in pairs:
            segs[name] = r.text(node, f"{what}.segments.{name}")
            lines[f"segments.{name}"] = node.line
    kw["segments"] = segs
    id_col = {ID_COLUMNS[target]} if "id" in d else set()
    for section in ("columns", "constants", "values", "dates"):
        if section not in d:
            continue
        entries = r.mapping(d[section], f"{what}.{section}")
        out: dict[str, Any] = {}
        for name, node in entries.items():
            where = f"{what}.{section}.{name}"
            lines[f"{section}.{name}"] = node.line
            _check_target(r, target, name, node.line, where, set(segs) if section != "columns" else set())
            if section == "columns":
                if name in id_col:
                    raise r.fail(node.line, f"{where}: {name!r} is already made by `id:`; keep one")
                out[name] = r.text(node, where)
            elif section == "constants":
                out[name] = _plain(node)
            elif section == "values":
                out[name] = _value_map(r, node, where)
            else:
                out[name] = _date_rule(r, node, where)
        kw[section] = out
    both = set(kw.get("columns", {})) & set(kw.get("constants", {}))
    if both:
        name = sorted(both)[0]
        raise r.fail(lines[f"constants.{name}"], f"{what}: {name!r} is given in columns and in constants; keep one")
    return TableMapping(target, n.key_line, lines=lines, **kw)


def parse_mapping(text: str, name: str = "mapping.yml") -> Mapping:
    """Parse and check a mapping file's text.

    Parameters
    ----------
    text : str
        The YAML text.
    name : str
        The file name shown in messages.

    Returns
    -------
    Mapping
        The tables to make, in file order.

    Raises
    ------
    DataError
        YAML that does not parse, an unknown key, table or target column, a yes/no value map
        without ``meaning``; the message names the file and the line.

    Examples
    --------
    >>> m = parse_mapping("tables:\\n  reviews:\\n    columns: {text: Content}\\n    id: {column: Review id}\\n")
    >>> m.tables["reviews"].columns, m.tables["reviews"].line_of("columns.text")
    ({'text': 'Content'}, 3)
    >>> parse_mapping("tables:\\n  reviews:\\n    columns: {stars: Rating}\\n")
    Traceback (most recent call last):
    ...
    carelib.errors.DataError: mapping.yml line 3: tables.reviews.columns.stars: table 'reviews' has no column 'stars'; ...
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{name}{line}: YAML that does not parse: {getattr(exc, 'problem', None) or exc}") from None
    r = _Reader(name)
    if root is None:
        raise DataError(f"{name}: the mapping is empty; expected `tables:` with at least one table")
    top = r.mapping(_tree(root, name), "the mapping")
    r.keys(top, ("tables", "kind", "version"), "the mapping", 1)
    if "tables" not in top:
        raise DataError(f"{name}: expected a `tables:` section naming at least one of {', '.join(TARGETS)}")
    tables = r.mapping(top["tables"], "tables")
    if not tables:
        raise r.fail(top["tables"].line, "tables: expected at least one table")
    kind = r.text(top["kind"], "kind") if "kind" in top else None
    return Mapping(name, {t: _table(r, t, n) for t, n in tables.items()}, kind)


def read_mapping(path: str | Path) -> Mapping:
    """Read and parse a mapping file (see :func:`parse_mapping`); a missing file is a clear error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"mapping file {str(path)!r} not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path.name}: not UTF-8 text (byte {exc.start}); save the mapping as UTF-8") from None
    return parse_mapping(text, path.name)
