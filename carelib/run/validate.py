"""Check a whole workspace folder: its tables, its codebook and its interview transcripts.

:func:`validate_workspace` is what ``carelib validate FOLDER`` runs. It checks

- every **table** against its contract (:meth:`carelib.data.tables.Workspace.validate`: one line per
  problem, naming file, row, column, expected and found; files that look like tables but are not
  read are named too). A folder with no table at all is a problem: it is most often the wrong folder.
- ``codebook.yml``, when present, with :func:`carelib.qual.codebook.load_codebook` (YAML, unique codes,
  known parents, no cycles), then each code: a code needs a ``definition`` (coders and reports show
  it) and something to be found by (``keywords`` or ``include``). Problems name the file, the entry
  (its number and code) and the field.
- ``interviews/``, when present: each transcript file is read on its own with
  :func:`carelib.data.transcripts.read_transcript` (with the ``participants`` roster when that table
  loads), so every broken file is listed, not only the first; a file that gives no turns, two
  files with one interview id and files of formats that are not read are listed as well.

Nothing is fixed or written; the report lists what is wrong and what was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from carelib.data.contracts import CONTRACTS
from carelib.data.table_files import TABLE_SUFFIXES
from carelib.data.tables import Workspace
from carelib.data.transcripts import SUFFIXES as TRANSCRIPT_SUFFIXES
from carelib.data.transcripts import read_transcript
from carelib.errors import DataError
from carelib.periods import TodayLike
from carelib.qual.codebook import load_codebook

__all__ = ["ValidationReport", "validate_workspace", "CODEBOOK", "INTERVIEWS"]

CODEBOOK = "codebook.yml"
INTERVIEWS = "interviews"


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate_workspace` found.

    Attributes
    ----------
    folder : Path
        The workspace folder.
    tables : tuple of str
        The contract tables present.
    checked : tuple of str
        What was checked besides the tables (``"codebook.yml: 13 codes"``, ``"interviews/: 12 transcripts"``).
    problems : tuple of str
        One line per problem, each starting with the file it is about.
    """

    folder: Path
    tables: tuple[str, ...]
    checked: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """One line: what is valid, or how many problems there are."""
        if self.problems:
            return f"{len(self.problems)} problem(s) in {self.folder}"
        parts = [f"{len(self.tables)} table(s) valid: {', '.join(self.tables)}", *self.checked]
        return f"{self.folder}: " + "; ".join(parts)


def _no_tables(folder: Path) -> str:
    names = ", ".join(f"{kind}.csv" for kind in CONTRACTS)
    return (f"no workspace tables found in {folder}: expected one of {names} "
            f"(or .{' or .'.join(s.lstrip('.') for s in TABLE_SUFFIXES[1:])})")


def _code_problems(book: pd.DataFrame, source: str) -> list[str]:
    """Codes that cannot be used: no definition, or nothing to find them by."""
    lines = []
    for i, code in enumerate(book.itertuples(index=False), start=1):
        where = f"{source} entry {i} ({code.code})"
        if not str(code.definition).strip():
            lines.append(f"{where}, field 'definition': expected what the code means (coders and reports show it), "
                         "found an empty field")
        if not code.keywords and not code.include:
            lines.append(f"{where}, field 'keywords': expected keywords or 'include' examples (automatic coding "
                         "finds a code by them), found both empty")
    return lines


def check_codebook(path: Path) -> tuple[list[str], str]:
    """Problems of one codebook file, and what was checked (``"codebook.yml: 13 codes"``)."""
    try:
        book = load_codebook(path)
    except DataError as exc:
        return [str(exc)], f"{path.name}: not readable"
    return _code_problems(book, path.name), f"{path.name}: {len(book)} codes"


def _roster(ws: Workspace) -> pd.DataFrame | None:
    """The participants table when it loads (its own problems are listed with the tables)."""
    if not ws.has("participants"):
        return None
    try:
        return ws.table("participants")
    except DataError:
        return None


def check_interviews(folder: Path, roster: pd.DataFrame | None = None) -> tuple[list[str], str]:
    """Problems of every file of a transcripts folder, and what was checked (``"interviews/: 12 transcripts"``)."""
    name = f"{folder.name}/"
    if not folder.is_dir():
        return [f"{folder.name}: expected a folder of transcripts, found a file"], f"{name}: not a folder"
    lines: list[str] = []
    stems: dict[str, str] = {}
    read = 0
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        where = p.relative_to(folder.parent).as_posix()
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue  # .DS_Store and other hidden files
        if p.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            lines.append(f"{where}: not a transcript format (read: {', '.join(TRANSCRIPT_SUFFIXES)}); ignored")
            continue
        if p.stem in stems:  # the file is still read: its own problems are listed too
            lines.append(f"{where}: the interview id {p.stem!r} is also the name of {stems[p.stem]}; rename one")
        stems.setdefault(p.stem, where)
        try:
            turns = read_transcript(p, roster).turns
        except DataError as exc:
            lines.append(str(exc) if str(exc).startswith(where) else f"{where}: {exc}")
            continue
        if turns.empty:
            lines.append(f"{where}: expected 'Speaker: text' turns, found none")
            continue
        read += 1
    if not stems and not lines:
        lines.append(f"{name}: expected transcript files ({', '.join(TRANSCRIPT_SUFFIXES)}), found none")
    return lines, f"{name}: {read} transcript(s)"


def validate_workspace(folder: str | Path, today: TodayLike = None) -> ValidationReport:
    """Check every table, the codebook and the interview transcripts of a workspace folder.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    today : str, date or Timestamp, optional
        The run's today (see :func:`carelib.periods.today`): event dates later than today plus two
        days are problems. Default: ``$CARELIB_TODAY``, else the clock.

    Returns
    -------
    ValidationReport
        The tables present, what else was checked and one line per problem (none: valid).

    Raises
    ------
    DataError
        The folder does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> validate_workspace(d).problems[0].startswith("no workspace tables found in")
    True
    >>> _ = (d / "reviews.csv").write_text("review_id,created_at,text,region\\nr1,2012,great,EMEA\\n")
    >>> validate_workspace(d).ok
    True
    """
    ws = Workspace(folder, today=today, engine="auto")  # week-partitioned tables are checked on DuckDB
    tables = tuple(ws.available())
    lines = [] if tables else [_no_tables(Path(folder))]
    lines += ws.validate()
    checked = []
    codebook = ws.optional(CODEBOOK)
    if codebook is not None:
        found, what = check_codebook(codebook)
        lines += found
        checked.append(what)
    interviews = ws.optional(INTERVIEWS)
    if interviews is not None:
        found, what = check_interviews(interviews, _roster(ws))
        lines += found
        checked.append(what)
    return ValidationReport(Path(folder), tables, tuple(checked), tuple(lines))
