"""Survey tools' exports, each read as its documented file shape into one ``"responses"`` part.

Each reader checks the shape and names what it found when the file is not that tool's export:

- **Google Forms** (the responses sheet, downloaded from Sheets as CSV or Excel): one header row,
  ``Timestamp`` first (in the owner's language: ``Marca temporal``, ``Horodateur``, ``Zeitstempel`` ...), then one column per question headed by the question text (``Email Address``
  and ``Score`` follow ``Timestamp`` when the form collects them). A checkbox answer holds every
  chosen option joined with ``", "``, kept as one cell.
- **Typeform** (Results > Download > CSV/XLSX): ``#`` (the response token) first, a column per
  question, hidden fields, then ``Start Date (UTC)``, ``Submit Date (UTC)``, ``Network ID``.
- **SurveyMonkey** (Analyze > Export > All individual responses, CSV or XLSX, "expanded" columns):
  two header rows. Row 1 holds the respondent columns (``Respondent ID``, ``Collector ID``,
  ``Start Date``, ``End Date``, ``IP Address``, ``Email Address`` ...) and, for each question, the
  question text over its first column (blank over the others; an empty column stays unnamed). Row 2 holds ``Response`` (a single
  choice), ``Open-Ended Response`` (a text box) or, for a question spread over several columns, one
  answer option (or matrix row) per column: such a cell holds the option text when it was chosen.
  Columns become ``"Question"`` or ``"Question - Option"``; ``questions`` maps each to its question.
- **Qualtrics** (Data & Analysis > Export > CSV or Excel, the current format): row 1 the column ids
  (``StartDate``, ``ResponseId``, ``Q1``, ``Q2_1`` ...), row 2 the question text, row 3 the import
  ids as JSON (``{"ImportId":"QID1"}``); data from row 4. ``questions`` maps each id to row 2. The
  legacy format (no ImportId row) is refused, naming what row 3 holds.
- **Delighted** (People > Export CSV): ``Response ID``, ``Score``, ``Comment``, ``Created``,
  ``Email``, ``Name`` and one column per person property.
"""

from __future__ import annotations

from pathlib import Path

from carelib.data.sources_files import (
    RawPart,
    Row,
    has_columns,
    header_row,
    part_from_rows,
    read_rows,
    shape_error,
    table_part,
    unique_names,
)

__all__ = ["read_google_forms", "read_typeform", "read_surveymonkey", "read_qualtrics", "read_delighted"]

_SINGLE_ANSWER = ("response", "open-ended response")
# The first header of a Google Forms sheet in the form owner's language.
TIMESTAMP_HEADERS = ("timestamp", "marca temporal", "horodateur", "zeitstempel", "carimbo de data/hora",
                     "informazioni cronologiche", "tijdstempel")


def _first_cells(header: list[str], n: int = 4, label: str = "headers") -> str:
    shown = ", ".join(repr(h) for h in header[:n])
    return f"{label} {shown}{', ...' if len(header) > n else ''}"


def read_google_forms(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Google Forms responses sheet (CSV or Excel): ``Timestamp`` first, one column per question."""
    rows = read_rows(path, sheet)
    _, header = header_row(path, rows)
    if header[0].strip().casefold() not in TIMESTAMP_HEADERS:
        raise shape_error(path, "Google Forms", "a header row starting with 'Timestamp'", _first_cells(header))
    return [table_part("responses", path, rows)]


def read_typeform(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Typeform results download: ``#`` first, the questions, ``Start Date (UTC)``, ``Submit Date (UTC)``."""
    rows = read_rows(path, sheet)
    _, header = header_row(path, rows)
    if header[0].strip() != "#" or not has_columns(header, "Submit Date (UTC)"):
        raise shape_error(path, "Typeform", "a header row starting with '#' and a 'Submit Date (UTC)' column",
                          _first_cells(header))
    return [table_part("responses", path, rows)]


def read_delighted(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Delighted responses export: ``Response ID``, ``Score``, ``Comment``, ``Created`` and properties."""
    rows = read_rows(path, sheet)
    _, header = header_row(path, rows)
    if not has_columns(header, "Score", "Comment"):
        raise shape_error(path, "Delighted", "columns 'Response ID', 'Score', 'Comment', 'Created'",
                          _first_cells(header, 6))
    return [table_part("responses", path, rows)]


def _two_header_rows(path: Path, rows: list[Row], tool: str) -> tuple[Row, Row]:
    first = header_row(path, rows)
    second = next((r for r in rows if r[0] == first[0] + 1), None)
    if second is None:
        raise shape_error(path, tool, "two header rows", "only one row")
    return first, second


def surveymonkey_columns(top: list[str], sub: list[str]) -> tuple[list[str], dict[str, str]]:
    """Column names and questions of SurveyMonkey's two header rows.

    Parameters
    ----------
    top
        Row 1: respondent columns and each question's text over its first column.
    sub
        Row 2: ``Response``, ``Open-Ended Response`` or an answer option per column.

    Returns
    -------
    (list of str, dict)
        ``"Question"`` or ``"Question - Option"`` per column (unique), and column → question text.

    Examples
    --------
    >>> surveymonkey_columns(["Respondent ID", "Which?", "", "Why?"], ["", "Email", "Phone", "Open-Ended Response"])
    (['Respondent ID', 'Which? - Email', 'Which? - Phone', 'Why?'], {'Which? - Email': 'Which?', \
'Which? - Phone': 'Which?', 'Why?': 'Why?'})
    """
    n = max(len(top), len(sub))
    top, sub = top + [""] * (n - len(top)), sub + [""] * (n - len(sub))
    names, asked, question = [], [], ""
    for head, option in zip(top, sub, strict=True):
        if head.strip():
            question = head
        label, option = (head if head.strip() else question), option.strip()
        if not head.strip() and not option:
            label, question = "", ""  # an empty column (a spreadsheet's trailing cells): no question of its own
        if option and option.casefold() not in _SINGLE_ANSWER:
            label = f"{label} - {option}"
        names.append(label)
        asked.append(question if option else "")
    names = unique_names(names)
    return names, {name: q for name, q in zip(names, asked, strict=True) if q}


def read_surveymonkey(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A SurveyMonkey "all individual responses" export (CSV or XLSX): two header rows combined."""
    rows = read_rows(path, sheet)
    (at, top), (at2, sub) = _two_header_rows(path, rows, "SurveyMonkey")
    markers = any(c.strip().casefold() in _SINGLE_ANSWER for c in sub)
    spread = any(not h.strip() and c.strip() for h, c in zip(top, sub, strict=False))
    if not (markers or spread):
        raise shape_error(path, "SurveyMonkey", "row 2 naming each column's answer ('Response', "
                          "'Open-Ended Response' or an answer option)", _first_cells(sub, label=f"row {at2} holding"))
    names, questions = surveymonkey_columns(top, sub)
    return [part_from_rows("responses", path, names, [r for r in rows if r[0] > at2], questions, header_at=at2)]


def read_qualtrics(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Qualtrics export (CSV or Excel): ids, question text, ImportId JSON rows, then the data."""
    rows = read_rows(path, sheet)
    (at, ids), (at2, texts) = _two_header_rows(path, rows, "Qualtrics")
    third = next((r for r in rows if r[0] == at2 + 1), (at2 + 1, []))
    shown = next((c for c in third[1] if c.strip()), "")
    if not shown.lstrip().startswith('{"ImportId"'):
        found = f"row {third[0]} starting {shown[:40]!r}" if shown else f"no row {third[0]}"
        raise shape_error(path, "Qualtrics", 'row 1 the column ids, row 2 the question text, row 3 the import '
                          'ids ({"ImportId":"QID1"}); a legacy export has no ImportId row, re-export with '
                          "'Use legacy format' off", found)
    names = unique_names(ids)
    texts = texts + [""] * (len(names) - len(texts))
    questions = {name: text for name, text in zip(names, texts, strict=False) if text.strip()}
    return [part_from_rows("responses", path, ids, [r for r in rows if r[0] > third[0]], questions,
                           header_at=third[0])]
