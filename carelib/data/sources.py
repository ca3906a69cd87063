"""Read the files that real tools export, as each tool documents them, into raw parts.

``read_source(kind, path)`` returns the parts of one export (``"responses"``, ``"tickets"``,
``"comments"``, ``"ratings"``, ``"reviews"``, ``"complaints"``, ``"conversations"``,
``"messages"``) as :class:`RawPart` frames of text under the export's own headers, with the file row
of each record, before any mapping to the workspace tables (``carelib import`` and its
``mapping.yml`` do that). :func:`sniff` guesses the kind from a file's first rows.

The shapes followed are written in :mod:`carelib.data.sources_surveys` (Google Forms, Typeform,
SurveyMonkey, Qualtrics, Delighted), :mod:`carelib.data.sources_support` (Zendesk, Intercom,
Freshdesk, Help Scout, App Store Connect, Google Play, Trustpilot, CFPB) and, for plain files and
what every reader shares (encodings, delimiters, Excel cells, row numbers),
:mod:`carelib.data.sources_files`. A file that lacks its kind's shape is a
:class:`~carelib.errors.DataError` naming the file, what was expected and what was found, and the
kind it looks like.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "form.csv").write_text("Timestamp,How likely?\\n2026/11/03 9:15:00,9\\n", encoding="utf-8")
>>> sniff(folder / "form.csv")
'google-forms'
>>> [part] = read_source("google-forms", folder / "form.csv")
>>> part.name, part.first_row, part.frame.loc[0, "How likely?"]
('responses', 2, '9')
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from carelib.data import sources_support as support
from carelib.data import sources_surveys as surveys
from carelib.data.sources_files import (
    EXCEL_SUFFIXES,
    JSON_SUFFIXES,
    TEXT_SUFFIXES,
    RawPart,
    has_columns,
    part_from_records,
    read_records,
    read_rows,
    table_part,
)
from carelib.errors import CarelibError, DataError, ParameterError

__all__ = ["RawPart", "SOURCE_KINDS", "SOURCE_PARTS", "read_source", "sniff"]

SOURCE_KINDS: dict[str, str] = {
    "csv": "any CSV/TSV file: one header row, delimiter and encoding found",
    "xlsx": "an Excel workbook sheet (the first, or sheet=...): one header row",
    "json": "a JSON list of records, nested objects flattened with dots",
    "jsonl": "JSON Lines: one record per line, nested objects flattened with dots",
    "google-forms": "Google Forms responses (CSV/Excel from Sheets): Timestamp, then one column per question",
    "typeform": "Typeform results (CSV/Excel): #, the questions, Start Date (UTC), Submit Date (UTC), Network ID",
    "surveymonkey": "SurveyMonkey individual responses (CSV/XLSX): two header rows, question and answer option",
    "qualtrics": "Qualtrics responses (CSV/Excel): column ids, question text, ImportId rows, then data",
    "delighted": "Delighted responses (CSV): Response ID, Score, Comment, Created, Email, Name, properties",
    "zendesk": "Zendesk tickets: Support API JSON (tickets, comments, satisfaction) or a ticket view CSV",
    "intercom": "Intercom conversations API JSON: conversations, their parts and ratings",
    "freshdesk": "Freshdesk ticket export (CSV/Excel): Ticket ID, Subject, Status, Priority ...",
    "helpscout": "Help Scout conversation export (CSV): Conversation ID/Number, Subject, Status, Mailbox ...",
    "appstore": "App Store Connect customer reviews: the API JSON, or a CSV with rating, title, body",
    "googleplay": "Google Play Console reviews report (UTF-16 CSV): Package Name, Star Rating, Review Text ...",
    "trustpilot": "Trustpilot reviews: business export CSV/Excel (Review stars ...) or the API JSON",
    "cfpb": "CFPB consumer complaint database: CSV (website or API field names) or JSON",
}

SOURCE_PARTS: dict[str, tuple[str, ...]] = {
    "csv": ("rows",), "xlsx": ("rows",), "json": ("rows",), "jsonl": ("rows",),
    "google-forms": ("responses",), "typeform": ("responses",), "surveymonkey": ("responses",),
    "qualtrics": ("responses",), "delighted": ("responses",),
    "zendesk": ("tickets", "ratings", "comments"), "intercom": ("conversations", "messages", "ratings"),
    "freshdesk": ("tickets",), "helpscout": ("conversations",),
    "appstore": ("reviews",), "googleplay": ("reviews",), "trustpilot": ("reviews",), "cfpb": ("complaints",),
}
"""The parts each kind can return, in order (Zendesk's ``comments`` only when the file has them)."""


def _plain_table(path: Path, sheet: str | None) -> list[RawPart]:
    if path.suffix.lower() in JSON_SUFFIXES:
        return _plain_json(path, sheet)
    return [table_part("rows", path, read_rows(path, sheet))]


def _plain_json(path: Path, sheet: str | None) -> list[RawPart]:
    if sheet is not None:
        raise ParameterError(f"{path.name}: sheet={sheet!r} is given but the file is JSON; leave sheet out")
    data = read_records(path)
    if not isinstance(data, list):
        found = f"a JSON object with keys {', '.join(map(repr, list(data)[:6]))}" if isinstance(data, dict) else \
            f"a JSON {type(data).__name__}"
        error = DataError(f"{path.name}: expected a JSON list of records (or JSON Lines), found {found}")
        error.shape_mismatch = True  # type: ignore[attr-defined]
        raise error
    return [part_from_records("rows", path, data)]


_READERS: dict[str, Callable[[Path, str | None], list[RawPart]]] = {
    "csv": _plain_table, "xlsx": _plain_table, "json": _plain_table, "jsonl": _plain_table,
    "google-forms": surveys.read_google_forms, "typeform": surveys.read_typeform,
    "surveymonkey": surveys.read_surveymonkey, "qualtrics": surveys.read_qualtrics,
    "delighted": surveys.read_delighted,
    "zendesk": support.read_zendesk, "intercom": support.read_intercom, "freshdesk": support.read_freshdesk,
    "helpscout": support.read_helpscout, "appstore": support.read_appstore, "googleplay": support.read_googleplay,
    "trustpilot": support.read_trustpilot, "cfpb": support.read_cfpb,
}
_SUFFIXES = (*TEXT_SUFFIXES, *EXCEL_SUFFIXES, *JSON_SUFFIXES)


def read_source(kind: str, path: str | Path, *, sheet: str | None = None) -> list[RawPart]:
    """Read one export file of ``kind`` into its raw parts, as the tool documents the file.

    Parameters
    ----------
    kind
        One of :data:`SOURCE_KINDS` (``"surveymonkey"``, ``"zendesk"``, ``"csv"`` ...).
    path
        The export file: ``.csv``/``.tsv``/``.txt``, ``.xlsx``/``.xlsm`` or ``.json``/``.jsonl``.
    sheet
        Workbooks only: the sheet's name (the first sheet when ``None``).

    Returns
    -------
    list of RawPart
        The parts in :data:`SOURCE_PARTS` order; every cell a ``str``, ``first_row`` the file row of
        frame row 0.

    Raises
    ------
    ParameterError
        An unknown kind (the message lists the known ones), or ``sheet`` for a file that is no workbook.
    DataError
        The file is missing, unreadable, or lacks the kind's shape (naming what was expected and
        found, and the kind the file looks like).
    """
    if kind not in _READERS:
        raise ParameterError(f"kind={kind!r} is not a known export kind; expected one of "
                             f"{', '.join(SOURCE_KINDS)}")
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise DataError(f"{path.name}: expected a file ending in {', '.join(_SUFFIXES)}, found "
                        f"{path.suffix or 'no suffix'!r}")
    try:
        return _READERS[kind](path, sheet)
    except DataError as exc:
        if not getattr(exc, "shape_mismatch", False):
            raise
        guess = sniff(path)
        hint = ""
        if guess and guess != kind:
            hint = (f"; its shape is that of kind={guess!r}: read it with that kind" if guess not in _PLAIN else
                    f"; it reads as a plain table: use kind={guess!r} and map its columns")
        raise DataError(f"{exc}{hint}") from None


_PLAIN = ("csv", "xlsx", "json", "jsonl")


def _sniff_table(header: list[str], second: list[str], third: list[str]) -> str | None:
    def has(*names: str) -> bool:
        return has_columns(header, *names)

    first = header[0].strip().casefold() if header else ""
    if any(c.lstrip().startswith('{"ImportId"') for c in third):
        return "qualtrics"
    if has("Respondent ID") and any(c.strip().casefold() in ("response", "open-ended response") for c in second):
        return "surveymonkey"
    checks = [
        (first == "#" and has("Submit Date (UTC)"), "typeform"),
        (first in surveys.TIMESTAMP_HEADERS, "google-forms"),
        (has("Package Name", "Star Rating"), "googleplay"),
        (has("Review stars"), "trustpilot"),
        (has("Ticket ID", "Subject"), "freshdesk"),
        (has("Conversation ID", "Subject") or has("Number", "Subject", "Mailbox"), "helpscout"),
        (has("Date received", "Product", "Issue") or has("date_received", "product", "issue"), "cfpb"),
        (has("Score", "Comment") and (has("Response ID") or has("Created")), "delighted"),
        (has("ID", "Subject", "Status"), "zendesk"),
        (has("rating", "body") or has("Rating", "Review", "Title"), "appstore"),
    ]
    return next((kind for ok, kind in checks if ok), None)


def _sniff_json(data: object) -> str | None:
    if isinstance(data, dict):
        if "tickets" in data or "ticket" in data:
            return "zendesk"
        if "conversations" in data or data.get("type") == "conversation":
            return "intercom"
        if isinstance(data.get("reviews"), list):
            return "trustpilot"
        if isinstance(data.get("data"), list) and any(isinstance(r, dict) and r.get("type") == "customerReviews"
                                                      for r in data["data"]):
            return "appstore"
        if isinstance(data.get("hits"), dict):
            return "cfpb"
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        keys = list(data[0])
        if has_columns(keys, "date_received", "product", "issue"):
            return "cfpb"
        if has_columns(keys, "source", "conversation_parts"):
            return "intercom"
        if has_columns(keys, "stars"):
            return "trustpilot"
    return None


def sniff(path: str | Path) -> str | None:
    """Guess the kind of an export from its first rows (for ``carelib import --infer``).

    Returns the tool's kind when the headers (or JSON keys) have its documented shape, the plain
    kind (``"csv"``, ``"xlsx"``, ``"json"``, ``"jsonl"``) for any other readable table, and ``None``
    when the file cannot be read as a table at all.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in JSON_SUFFIXES:
            data = read_records(path)
            return _sniff_json(data) or ("jsonl" if isinstance(data, list) and suffix != ".json" else
                                         "json" if isinstance(data, list) else None)
        if suffix not in (*TEXT_SUFFIXES, *EXCEL_SUFFIXES):
            return None
        rows = [cells for _, cells in read_rows(path, limit=10) if any(c.strip() for c in cells)][:3]
    except CarelibError:
        return None
    if not rows:
        return None
    rows += [[]] * (3 - len(rows))
    with contextlib.suppress(IndexError):
        found = _sniff_table(*rows)
        if found:
            return found
    return "xlsx" if suffix in EXCEL_SUFFIXES else "csv"
