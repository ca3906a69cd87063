"""A draft ``mapping.yml`` guessed from an export's headers and values (``carelib import --infer``).

The draft is a starting point for a person to edit, never applied unread: each guess carries a
``# check:`` comment saying what to verify. Guesses, per column: an id (a name like ``id``/``key``
with one distinct value per row), a date (a name like ``date``/``time``/``created`` or values that
read as dates), a score (whole numbers 0-10 only), free text (long, mostly distinct values), a
personal identifier (e-mail, username, handle: to an id column, never to free text) and segments
(2-20 distinct values). The target table follows the export kind (a survey tool -> responses,
a helpdesk -> tickets, a review store -> reviews, CFPB -> complaints).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from carelib.data.importer_dates import read_date
from carelib.data.mapping import ID_COLUMNS, slug

__all__ = ["infer_mapping", "guess_column"]

_TARGET = {
    "google-forms": "responses", "typeform": "responses", "surveymonkey": "responses", "qualtrics": "responses",
    "delighted": "responses", "zendesk": "tickets", "intercom": "tickets", "freshdesk": "tickets",
    "helpscout": "tickets", "appstore": "reviews", "googleplay": "reviews", "trustpilot": "reviews",
    "cfpb": "complaints",
}
_DATE_TARGET = {"responses": "submitted_at", "tickets": "created_at", "reviews": "created_at",
                "complaints": "received_at", "messages": "sent_at", "customers": "first_seen"}
_TEXT_TARGET = {"responses": "comment", "reviews": "text", "complaints": "text", "messages": "text"}
_SCORE_TARGET = {"responses": "score", "reviews": "rating"}
_ID_NAME = re.compile(r"(^|[^a-z])(id|key|uuid|number|#)($|[^a-z])", re.I)
_DATE_NAME = re.compile(r"date|time|created|submitted|received|updated|closed|started|_at$", re.I)
_PERSONAL = re.compile(r"e-?mail|user ?name|handle|screen.?name|phone|customer.?name|full.?name|^name$|address", re.I)


def _is_date(values: pd.Series) -> bool:
    sample = values[values.ne("")].drop_duplicates().head(50)
    if sample.empty:
        return False
    ok = 0
    for v in sample:
        try:
            read_date(v)
            ok += 1
        except ValueError as exc:
            ok += "ambiguous" in str(exc)
    return ok >= 0.9 * len(sample)


def guess_column(name: str, values: pd.Series) -> str:
    """What a column looks like: ``id``, ``personal``, ``date``, ``score``, ``text``, ``segment`` or ``other``.

    Examples
    --------
    >>> guess_column("How likely?", pd.Series(["9", "10", "3", ""]))
    'score'
    >>> guess_column("Created", pd.Series(["2026-01-02", "2026-01-03"]))
    'date'
    """
    filled = values[values.str.strip().ne("")]
    if filled.empty:
        return "other"
    distinct = filled.nunique()
    if _PERSONAL.search(name):
        return "personal"
    if _ID_NAME.search(name) and distinct == len(filled) == len(values):
        return "id"
    if (_DATE_NAME.search(name) or filled.str.contains(r"\d").all()) and _is_date(filled):
        return "date"
    if filled.str.fullmatch(r"\d{1,2}").all() and filled.astype(int).between(0, 10).all():
        return "score"
    if filled.str.len().mean() > 30 and distinct > 0.5 * len(filled):
        return "text"
    if 2 <= distinct <= 20 and distinct <= 0.5 * len(filled):
        return "segment"
    return "other"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _date_hint(values: pd.Series) -> str:
    for v in values[values.ne("")].drop_duplicates().head(200):
        try:
            read_date(v)
        except ValueError as exc:
            if "ambiguous" in str(exc):
                return f"  # check: {v!r} reads two ways; add dayfirst: true/false or a format"
    return "  # check: ISO/d-m-y read as is; add format: '%d %b %Y' if not, timezone: for local times"


def infer_mapping(kind: str, path: str | Path, *, sheet: str | None = None) -> str:
    """A draft mapping for the export at ``path`` (the text of a ``mapping.yml`` with comments).

    Parameters
    ----------
    kind : str
        The export kind (see :data:`carelib.data.sources.SOURCE_KINDS`).
    path : str or Path
        The export file.
    sheet : str, optional
        The Excel sheet.

    Returns
    -------
    str
        YAML text: one table per part of the export, every guess commented.
    """
    from carelib.data.sources import read_source

    path = Path(path)
    parts = read_source(kind, path, sheet=sheet)
    out = [f"# Draft mapping for {path.name} (carelib import {kind} --infer). Guesses: CHECK EACH LINE.",
           "# Reference: docs/your-own-data.md. Nothing is filled in on import: an empty score or date stays empty.",
           f"kind: {kind}", "tables:"]
    for part in parts:
        target = _TARGET.get(kind, part.name if part.name in ID_COLUMNS else "responses")
        out += _table_lines(target, part, len(parts) > 1 or kind in _TARGET)
    return "\n".join(out) + "\n"


def _table_lines(target: str, part, with_from: bool) -> list[str]:
    kinds = {c: guess_column(c, part.frame[c]) for c in part.frame.columns}
    out = [f"  {target}:  # check: the target table ({', '.join(sorted(ID_COLUMNS))})"]
    if with_from:
        out.append(f"    from: {part.name}")
    ids = [c for c, k in kinds.items() if k == "id"]
    if ids:
        out.append(f"    id: {{column: {_q(ids[0])}}}  # check: one distinct value per row")
    else:
        out.append("    id: {hash: [" + ", ".join(_q(c) for c in list(part.frame.columns)[:3])
                   + "]}  # check: no id column found; the id is a hash of these columns")
    cols, dates, notes = [], [], []
    seen: set[str] = set()
    for c, k in kinds.items():
        target_col = {"date": _DATE_TARGET.get(target), "score": _SCORE_TARGET.get(target),
                      "text": _TEXT_TARGET.get(target)}.get(k)
        if k == "personal":
            who = "author_id" if target == "messages" else "customer_id"
            if who not in seen and not re.search(r"name|address", c, re.I):
                seen.add(who)
                cols.append(f"      {who}: {_q(c)}  # check: a personal identifier goes to an id column only")
            else:
                notes.append(f"    # left out: {c!r} (personal data: only to an id column, or a name to participants/customers.name)")
        elif target_col and target_col not in seen:
            seen.add(target_col)
            hint = {"score": "  # check: the survey kind below and the scale (nps/enps 0-10, csat 1-5 ...)",
                    "text": "  # check: the free-text column"}.get(k, "")
            cols.append(f"      {target_col}: {_q(c)}{hint}")
            if k == "date":
                dates.append(f"      {target_col}: {{}}{_date_hint(part.frame[c])}")
        elif k in ("date", "score", "text"):
            notes.append(f"    # also a {k}-like column: {c!r}")
    if cols:
        out += ["    columns:", *cols]
    if target == "responses":
        out += ["    # constants: {survey: nps}  # check: uncomment with the survey kind (nps, enps, csat, ces, pmf, agree5 ...)"]
    if dates:
        out += ["    dates:", *dates]
    segments = [c for c, k in kinds.items() if k == "segment"]
    if segments:
        out.append("    segments:  # low-cardinality columns, copied as attributes; remove what is not one")
        out += [f"      {slug(c)[:40].strip('_')}: {_q(c)}" for c in segments]
    if sum(k == "text" for k in kinds.values()) > 1:
        out.append("    # several free-text columns: `melt: {columns: [...], question: item, value: answer, "
                   "drop_empty: true}` makes one row per answer")
    return out + notes
