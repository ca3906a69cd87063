"""Codebooks: load, validate and compare versions.

A codebook is YAML, a list of codes (or a mapping with a ``codes`` list)::

    - code: delivery_communication
      parent: delivery
      definition: The customer was not told where the parcel was or when it would come.
      include: ["no tracking updates", "nobody told me it was late"]
      exclude: ["damaged parcel (use product_damage)"]
      keywords: [tracking, update, late, where is my order]

As a table: one row per code with columns ``code, parent, definition, include, exclude,
keywords`` (the last three lists of strings). An empty or blank phrase (``exclude: ''``,
``keywords: ['']``) is no phrase: it is dropped when the codebook is read, so it can never
match every text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from carelib.errors import DataError

__all__ = ["CODEBOOK_COLUMNS", "load_codebook", "codebook_from_records", "diff_codebooks"]

CODEBOOK_COLUMNS = ["code", "parent", "definition", "include", "exclude", "keywords"]
OPTIONAL_FIELDS = ["need", "so_that"]  # for user stories: "I want <need>, so that <so_that>"
_LISTS = ("include", "exclude", "keywords")


def _as_list(value: object, where: str, field: str) -> list[str]:
    """The phrases of a list field, stripped; an empty or blank phrase (``exclude: ''``) means no phrase."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) or v is None for v in value):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    raise DataError(f"{where}, field {field!r}: expected a list of strings, found {type(value).__name__}")


def codebook_from_records(records: list[dict], source: str = "codebook") -> pd.DataFrame:
    """Build and validate a codebook table from a list of mappings.

    Checks: every entry has a ``code``; codes are unique; every parent is a code of the
    book; no code is its own ancestor. Errors name the source and the entry number.

    Examples
    --------
    >>> book = codebook_from_records([{"code": "delivery"}, {"code": "late", "parent": "delivery",
    ...                               "keywords": ["late", "delayed"]}])
    >>> book[["code", "parent"]].to_dict("records")
    [{'code': 'delivery', 'parent': None}, {'code': 'late', 'parent': 'delivery'}]
    """
    rows = []
    for i, rec in enumerate(records, start=1):
        where = f"{source} entry {i}"
        if not isinstance(rec, dict):
            raise DataError(f"{where}: expected a mapping with 'code', found {type(rec).__name__}")
        code = rec.get("code")
        if not isinstance(code, str) or not code.strip():
            raise DataError(f"{where}, field 'code': expected a non-empty name, found {code!r}")
        unknown = set(rec) - set(CODEBOOK_COLUMNS) - set(OPTIONAL_FIELDS)
        if unknown:
            raise DataError(
                f"{where} ({code}): unknown field(s) {sorted(unknown)}; allowed: {CODEBOOK_COLUMNS + OPTIONAL_FIELDS}"
            )
        parent = rec.get("parent")
        rows.append(
            {
                "code": code.strip(),
                "parent": str(parent).strip() if parent not in (None, "") else None,
                "definition": str(rec.get("definition") or "").strip(),
                **{f: _as_list(rec.get(f), f"{where} ({code})", f) for f in _LISTS},
                **{f: str(rec[f]).strip() for f in OPTIONAL_FIELDS if rec.get(f)},
            }
        )
    # object dtype: an absent parent stays None (pandas 3 would infer str and turn it into NaN)
    extra = [f for f in OPTIONAL_FIELDS if any(f in r for r in rows)]
    book = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS + extra, dtype=object)
    dup = book["code"][book["code"].duplicated()].tolist()
    if dup:
        raise DataError(f"{source}: duplicate code(s) {dup}")
    codes = set(book["code"])
    parents = {r["code"]: r["parent"] for r in rows}
    for i, (code, parent) in enumerate(parents.items(), start=1):
        if parent is not None and parent not in codes:
            raise DataError(f"{source} entry {i} ({code}), field 'parent': expected one of the codes, found {parent!r}")
        seen = {code}
        while parent is not None:
            if parent in seen:
                raise DataError(f"{source} entry {i} ({code}): parents form a cycle through {parent!r}")
            seen.add(parent)
            parent = parents.get(parent)
    return book


def load_codebook(path: str | Path) -> pd.DataFrame:
    """Read a YAML codebook (see the module docstring) into a validated table."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path.name}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{path.name}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if isinstance(doc, dict) and "codes" in doc:
        doc = doc["codes"]
    if not isinstance(doc, list) or not doc:
        raise DataError(f"{path.name}: expected a list of codes (or a mapping with a 'codes' list)")
    return codebook_from_records(doc, path.name)


def _similar(a: pd.Series, b: pd.Series) -> float:
    """How alike two code entries are (definition words and keywords), 0..1."""
    wa = set(str(a["definition"]).lower().split()) | {k.lower() for k in a["keywords"]}
    wb = set(str(b["definition"]).lower().split()) | {k.lower() for k in b["keywords"]}
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def diff_codebooks(old: pd.DataFrame, new: pd.DataFrame, rename_threshold: float = 0.6) -> pd.DataFrame:
    """What changed between two codebook versions.

    Returns one row per change: ``change`` (added, removed, renamed, definition changed,
    parent changed, include changed, exclude changed, keywords changed), ``code`` (the new
    name where it exists), ``old`` and ``new`` values. A removed and an added code whose
    definitions and keywords overlap at least ``rename_threshold`` (Jaccard) are reported
    as one rename.

    Parameters
    ----------
    old, new : DataFrame
        Codebooks with :data:`CODEBOOK_COLUMNS` (from :func:`load_codebook` or
        :func:`codebook_from_records`).
    rename_threshold : float
        Least Jaccard overlap (0…1) of definition words and keywords for a removed and an added
        code to be called a rename.

    Returns
    -------
    DataFrame
        ``change, code, old, new``, sorted by change then code; empty when nothing changed.

    Examples
    --------
    >>> a = codebook_from_records([{"code": "late", "definition": "parcel arrived late"}])
    >>> b = codebook_from_records([{"code": "late_delivery", "definition": "parcel arrived late"}])
    >>> diff_codebooks(a, b)[["change", "code", "old"]].to_dict("records")
    [{'change': 'renamed', 'code': 'late_delivery', 'old': 'late'}]
    """
    o, n = old.set_index("code", drop=False), new.set_index("code", drop=False)
    removed = [c for c in o.index if c not in n.index]
    added = [c for c in n.index if c not in o.index]
    rows = []
    for r in list(removed):
        best = max(added, key=lambda a: _similar(o.loc[r], n.loc[a]), default=None)
        if best is not None and _similar(o.loc[r], n.loc[best]) >= rename_threshold:
            rows.append({"change": "renamed", "code": best, "old": r, "new": best})
            removed.remove(r)
            added.remove(best)
            rows += _field_changes(o.loc[r], n.loc[best], best)
    rows += [{"change": "removed", "code": c, "old": c, "new": None} for c in removed]
    rows += [{"change": "added", "code": c, "old": None, "new": c} for c in added]
    for c in o.index.intersection(n.index):
        rows += _field_changes(o.loc[c], n.loc[c], c)
    out = pd.DataFrame(rows, columns=["change", "code", "old", "new"])
    return out.sort_values(["change", "code"], kind="stable", ignore_index=True)


def _field_changes(a: pd.Series, b: pd.Series, code: str) -> list[dict]:
    out = []
    for f in ("definition", "parent", *_LISTS):
        va, vb = a[f], b[f]
        if (va if va is not None else "") != (vb if vb is not None else ""):
            out.append({"change": f"{f} changed", "code": code, "old": va, "new": vb})
    return out
