"""A workspace's interviews to a REFI-QDA project and back: ``carelib qda export`` / ``carelib qda import``.

**Export** (:func:`export_workspace`) reads the workspace the way the interview synthesis reads it
(:func:`carelib.data.transcripts.read_transcripts` with ``participants.csv`` as the roster, then
:func:`carelib.qual.quotes.pseudonymise`): interviews are ``interview 1``, ``interview 2`` … (file
names often hold first names), people are participant ids, and every text is redacted with a
:class:`carelib.text.redact.Redactor` whose deny-list maps each real name to its id — e-mails, phone
numbers, cards … become their kind. A person whose roster row says ``names_allowed: yes`` keeps their
name (and it is a case variable); when everyone's does, nothing is replaced for names.

Redaction changes lengths, so every offset (turns, codings, memos, timecodes) is carried from the
transcript to the redacted text by :class:`Redacted`; a span edge inside a replaced name moves to the
edge of its replacement, so no part of a name is ever cut in two.

The project holds: the redacted transcripts (text sources); the codebook (``codebook.yml``); the
automatic codings of each participant turn (coder ``carelib``) and the human codings of
``--codings`` files (:func:`carelib.qual.coding.read_codings`; ``interview_id`` is the file stem or the
shown ``interview <n>``, spans index the transcript as read); the participants as cases with their
``participants.csv`` columns as typed variables; memos from ``memos.csv`` (``docs/qda.md``); and the
transcripts' times as sync points.

**Import** (:func:`import_project`) reads any ``.qdpx`` (:func:`carelib.qual.refi_import.import_qdpx`)
and writes ``codings.csv`` (human codings), ``codebook.yml``, ``memos.csv``, ``cases.csv`` and
``timecodes.csv`` to a folder. With the workspace given, a source whose text is the workspace's
redacted transcript gets its spans carried back to the transcript and its file stem as
``interview_id``, so the codings read straight back into the next export.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from carelib.checks import read_bool
from carelib.data.transcripts import read_transcripts
from carelib.errors import DataError, ParameterError
from carelib.exports import to_csv
from carelib.files import write_atomic
from carelib.qual.codebook import CODEBOOK_COLUMNS, load_codebook
from carelib.qual.coding import auto_code, read_codings
from carelib.qual.quotes import pseudonymise
from carelib.qual.refi import (
    RefiProject,
    case_table,
    codings_table,
    export_qdpx,
    memo_table,
    timecode_table,
    variable_type,
)
from carelib.qual.refi_import import import_qdpx
from carelib.text.redact import Redactor, find_pii

__all__ = ["Redacted", "redact_with_offsets", "WorkspaceView", "read_workspace", "export_workspace",
           "import_project", "QdaImport", "project_summary", "type_variables", "read_memos", "AUTO_CODER",
           "MEMO_FILE", "ROSTER_FILE"]

AUTO_CODER = "carelib"
MEMO_FILE = "memos.csv"
ROSTER_FILE = "participants.csv"
#: roster columns that are not case variables (``name`` is one only where names are allowed)
_NOT_VARIABLES = ("participant_id", "name", "role", "interview_id", "names_allowed")
_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_FLOAT = re.compile(r"^[+-]?\d+\.\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOL = {"true": True, "false": False, "yes": True, "no": False}


@dataclass(frozen=True)
class Redacted:
    """A redacted text and where each replaced span went: ``(start, end)`` in the text → in ``text``."""

    original: str
    text: str
    pieces: tuple[tuple[int, int, int, int], ...] = ()

    def forward(self, pos: int, side: str = "start") -> int:
        """Offset ``pos`` of the original in the redacted text (inside a replaced span: its ``side`` edge)."""
        return self._map(pos, side, 0)

    def back(self, pos: int, side: str = "start") -> int:
        """Offset ``pos`` of the redacted text in the original (inside a replacement: its ``side`` edge)."""
        return self._map(pos, side, 2)

    def _map(self, pos: int, side: str, at: int) -> int:
        delta = 0
        to = 2 - at
        for p in self.pieces:
            if pos <= p[at]:
                break
            if pos < p[at + 1]:
                return p[to] if side == "start" else p[to + 1]
            delta = p[to + 1] - p[at + 1]
        return pos + delta


def redact_with_offsets(text: str, redactor: Redactor) -> Redacted:
    """Redact ``text`` and keep where each replaced span went, so offsets can be carried over.

    Parameters
    ----------
    text : str
        The original text.
    redactor : Redactor
        The redactor (its :meth:`~carelib.text.redact.Redactor.redact` gives the text).

    Returns
    -------
    Redacted

    Examples
    --------
    >>> r = redact_with_offsets("Hi, I am Ruth Okafor: ruth@x.org", Redactor({"Ruth Okafor": "P01"}))
    >>> r.text, r.forward(9), r.forward(14, "end"), r.forward(32, "end"), r.back(13, "end")
    ('Hi, I am P01: [email]', 9, 12, 21, 21)
    """
    out = redactor.redact(text)
    spans = find_pii(text, redactor)
    if spans.empty:
        return Redacted(text, out)
    words = set(redactor.pseudonyms_.values()) | set(getattr(redactor, "identifiers_", {}).values())
    words |= {f"[{k}]" for k in spans["kind"]} | {"[name]"}
    candidates = sorted(words, key=len, reverse=True)
    starts, ends = spans["start"].tolist(), spans["end"].tolist()
    pieces, o, r = [], 0, 0
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        r += s - o
        gap_after = text[e:starts[i + 1] if i + 1 < len(starts) else len(text)]
        word = next((w for w in candidates if out.startswith(w, r) and out.startswith(gap_after, r + len(w))), None)
        if word is None:
            raise DataError(f"redaction of a text could not be aligned at character {s} (a carelib bug; please report it)")
        pieces.append((s, e, r, r + len(word)))
        o, r = e, r + len(word)
    return Redacted(text, out, tuple(pieces))


def type_variables(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns typed as REFI variables: whole numbers → int, decimals → float, ``YYYY-MM-DD`` → date,
    true/false/yes/no → bool, else str; empty cells ``None``. A number with a leading zero stays text.

    Examples
    --------
    >>> t = type_variables(pd.DataFrame({"n": ["3", None], "ok": ["yes", "no"], "id": ["007", "12"]}))
    >>> t.to_dict("records")
    [{'n': 3, 'ok': True, 'id': '007'}, {'n': None, 'ok': False, 'id': '12'}]
    """
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        raw = [None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "" else str(v).strip()
               for v in frame[col]]
        present = [v for v in raw if v is not None]
        if present and all(_INT.match(v) for v in present):
            conv = int
        elif present and all(_INT.match(v) or _FLOAT.match(v) for v in present):
            conv = float
        elif present and all(_DATE.match(v) for v in present):
            conv = dt.date.fromisoformat
        elif present and all(v.lower() in _BOOL for v in present):
            conv = lambda v: _BOOL[v.lower()]  # noqa: E731
        else:
            conv = str
        try:
            values = [None if v is None else conv(v) for v in raw]
        except ValueError:  # an impossible date such as 2026-02-30: the column stays text
            values = raw
        out[col] = pd.Series(values, index=frame.index, dtype=object)
    return out


@dataclass
class WorkspaceView:
    """A workspace's interviews as they are exported: pseudonymised turns and redacted documents."""

    turns: pd.DataFrame
    stems: dict[str, str]
    documents: dict[str, Redacted]
    redactor: Redactor
    roster: pd.DataFrame | None
    allowed: set[str] = field(default_factory=set)

    def interview(self, value: str, where: str) -> str:
        """The shown interview id of a file stem or a shown id."""
        if value in self.documents:
            return value
        by_stem = {v: k for k, v in self.stems.items()}
        if value in by_stem:
            return by_stem[value]
        raise DataError(f"{where}: expected an interview of the workspace (a transcript's file name without "
                        f"extension, or 'interview <n>'), found {value!r}")


def _read_roster(base: Path) -> pd.DataFrame | None:
    path = base / ROSTER_FILE
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)


def read_workspace(data_dir: str | Path) -> WorkspaceView:
    """Read and redact a workspace's ``interviews/`` as :func:`export_workspace` exports them."""
    base = Path(data_dir)
    if not base.is_dir():
        raise ParameterError(f"--data {str(data_dir)!r}: no such workspace folder")
    roster = _read_roster(base)
    tr = read_transcripts(base / "interviews", roster)
    turns, docs, names = pseudonymise(tr.turns, tr.documents, roster)
    stems = dict(zip(turns["interview_id"], tr.turns["interview_id"], strict=True))
    allowed: set[str] = set()
    if roster is not None and "names_allowed" in roster.columns:
        yes = read_bool(roster["names_allowed"]).fillna(False).astype(bool)
        allowed = set(roster.loc[yes, "participant_id"].dropna())
    everyone = roster is not None and set(roster["participant_id"].dropna()) <= allowed
    deny = {k: v for k, v in names.items() if v not in allowed}
    redactor = Redactor(deny or None, greetings=not everyone)
    documents = {iid: redact_with_offsets(doc, redactor) for iid, doc in docs.items()}
    return WorkspaceView(turns, stems, documents, redactor, roster, allowed)


def _span(view: WorkspaceView, iid: str, start: int, end: int) -> tuple[int, int]:
    doc = view.documents[iid]
    return doc.forward(start, "start"), doc.forward(end, "end")


def _auto_codings(view: WorkspaceView, book: pd.DataFrame) -> pd.DataFrame:
    excerpts = view.turns[view.turns["role"] == "participant"].copy()
    excerpts["excerpt_id"] = excerpts["interview_id"] + "#" + excerpts["turn"].astype(str)
    coded = auto_code(excerpts, book, text="text", id="excerpt_id")
    if coded.empty:
        return codings_table([])
    spans = coded.merge(excerpts[["excerpt_id", "interview_id", "char_start", "char_end"]], on="excerpt_id")
    rows = [{"source": r.interview_id, "start": a, "end": b, "code": r.code, "coder": AUTO_CODER}
            for r in spans.itertuples(index=False)
            for a, b in [_span(view, r.interview_id, int(r.char_start), int(r.char_end))]]
    return codings_table(rows)


def _human_codings(view: WorkspaceView, path: Path) -> pd.DataFrame:
    raw = read_codings(path)
    rows = []
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        where = f"{path.name} row {i}"
        if r.interview_id and not pd.isna(r.span_start):
            iid = view.interview(r.interview_id, f"{where}, column 'interview_id'")
            start, end = int(r.span_start), int(r.span_end)
        else:
            stem, _, turn = str(r.excerpt_id).rpartition("#")
            iid = view.interview(stem, f"{where}, column 'excerpt_id'")
            hit = view.turns[(view.turns["interview_id"] == iid) & (view.turns["turn"].astype(str) == turn)]
            if hit.empty:
                raise DataError(f"{where}, column 'excerpt_id': expected '<interview>#<turn>' of a turn, found "
                                f"{r.excerpt_id!r}")
            start, end = int(hit["char_start"].iloc[0]), int(hit["char_end"].iloc[0])
        if end > len(view.documents[iid].original):
            raise DataError(f"{where}: expected span_end <= {len(view.documents[iid].original)} (the length of "
                            f"{r.interview_id!r}), found {end}")
        a, b = _span(view, iid, start, end)
        rows.append({"source": iid, "start": a, "end": b, "code": r.code, "coder": r.coder})
    return codings_table(rows)


def read_memos(path: str | Path, view: WorkspaceView) -> pd.DataFrame:
    """``memos.csv`` (``memo_id, author, text`` + optional ``interview_id, span_start, span_end, code, created``)
    as the project's memo table: interviews by shown id, spans and text redacted.

    Parameters
    ----------
    path : str or Path
        The memos CSV.
    view : WorkspaceView
        From :func:`read_workspace`.

    Returns
    -------
    DataFrame
        :data:`carelib.qual.refi.MEMO_COLUMNS`.
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("memo_id", "author", "text"):
        if col not in raw.columns:
            raise DataError(f"{path.name} row 1: expected a column {col!r}, found columns {list(raw.columns)}")
    rows = []
    for i, r in enumerate(raw.to_dict("records"), start=2):
        where = f"{path.name} row {i}"
        row = {"memo": r["memo_id"], "author": r["author"], "text": view.redactor.redact(r["text"]),
               "code": r.get("code") or None, "source": None, "start": None, "end": None}
        if r.get("created"):
            try:
                row["created"] = pd.Timestamp(r["created"]).isoformat()
            except ValueError:
                raise DataError(f"{where}, column 'created': expected a date or date-time, found {r['created']!r}"
                                ) from None
        if r.get("interview_id"):
            row["source"] = view.interview(r["interview_id"], f"{where}, column 'interview_id'")
        if r.get("span_start") or r.get("span_end"):
            ok = all(str(r.get(c, "")).isdigit() for c in ("span_start", "span_end")) and row["source"]
            if not ok:
                raise DataError(f"{where}: a span needs interview_id, span_start and span_end (character offsets), "
                                f"found {r.get('interview_id')!r}, {r.get('span_start')!r}, {r.get('span_end')!r}")
            row["start"], row["end"] = _span(view, row["source"], int(r["span_start"]), int(r["span_end"]))
        rows.append(row)
    return memo_table(rows)


def _cases(view: WorkspaceView) -> pd.DataFrame:
    speaks = view.turns.dropna(subset=["participant_id"])
    speaks = speaks[speaks["role"] == "participant"]
    sources = speaks.groupby("participant_id")["interview_id"].agg(lambda s: tuple(sorted(set(s)))).to_dict()
    roster = view.roster
    if roster is None or "participant_id" not in roster.columns:
        return case_table([{"case": p, "sources": s} for p, s in sources.items()])
    people = roster if "role" not in roster.columns else roster[roster["role"].fillna("participant") == "participant"]
    people = people.dropna(subset=["participant_id"])
    cols = [c for c in people.columns if c not in _NOT_VARIABLES]
    typed = type_variables(people[cols])
    for c in cols:  # text values are people's text: redacted as the interview synthesis shows them
        typed[c] = [view.redactor.redact(v) if isinstance(v, str) else v for v in typed[c]]
    if view.allowed and "name" in people.columns:
        typed["name"] = [n if p in view.allowed else None for p, n in zip(people["participant_id"], people["name"],
                                                                         strict=True)]
    rows = [{"case": p, "sources": sources.get(p, ()), **typed.loc[i].to_dict()}
            for i, p in zip(people.index, people["participant_id"], strict=True)]
    rows += [{"case": p, "sources": s} for p, s in sources.items() if p not in set(people["participant_id"])]
    return case_table(rows)


def _timecodes(view: WorkspaceView) -> pd.DataFrame:
    rows = []
    for t in view.turns.itertuples(index=False):
        doc = view.documents[t.interview_id]
        if not pd.isna(t.start):
            rows.append({"source": t.interview_id, "position": doc.forward(int(t.char_start)), "seconds": t.start})
        if not pd.isna(t.end):
            rows.append({"source": t.interview_id, "position": doc.forward(int(t.char_end), "end"), "seconds": t.end})
    return timecode_table(rows)


def export_workspace(
    data_dir: str | Path,
    out: str | Path,
    *,
    codings: list[str | Path] | tuple[str | Path, ...] = (),
    project: str | None = None,
    auto: bool = True,
) -> tuple[Path, RefiProject]:
    """Write a workspace's interviews, redacted, as a REFI-QDA project (see the module docstring).

    Parameters
    ----------
    data_dir : str or Path
        The workspace (``interviews/``; optional ``participants.csv``, ``codebook.yml``, ``memos.csv``).
    out : str or Path
        The ``.qdpx`` to write.
    codings : list of paths
        Human codings CSVs (:func:`carelib.qual.coding.read_codings`).
    project : str, optional
        The project's name (default: the workspace folder's name).
    auto : bool
        Add the automatic codings of the codebook (coder ``carelib``).

    Returns
    -------
    (Path, RefiProject)
        The file written and exactly what it holds (what :func:`import_qdpx` reads back).
    """
    base = Path(data_dir)
    view = read_workspace(base)
    book_path = base / "codebook.yml"
    book = load_codebook(book_path) if book_path.is_file() else pd.DataFrame(columns=CODEBOOK_COLUMNS)
    parts = [_auto_codings(view, book)] if auto and not book.empty else []
    for p in codings:
        if not Path(p).is_file():
            raise ParameterError(f"--codings {str(p)!r}: no such file")
        parts.append(_human_codings(view, Path(p)))
    coded = codings_table(pd.concat(parts, ignore_index=True)) if parts else codings_table([])
    memos = read_memos(base / MEMO_FILE, view) if (base / MEMO_FILE).is_file() else memo_table([])
    sources = {iid: d.text for iid, d in view.documents.items()}
    result = RefiProject(name=project or base.resolve().name, sources=sources, codebook=book, codings=coded,
                         cases=_cases(view), memos=memos, timecodes=_timecodes(view), origin="carekit")
    result.variables = {c: variable_type(result.cases[c]) for c in result.cases.columns if c not in ("case", "sources")}
    path = export_qdpx(out, sources=sources, codebook=book, codings=coded, project=result.name, cases=result.cases,
                       memos=memos, timecodes=result.timecodes)
    return path, result


@dataclass
class QdaImport:
    """What :func:`import_project` read and wrote."""

    project: RefiProject
    files: list[Path]
    mapped: list[str]
    kept: list[str]

    def lines(self) -> list[str]:
        """The summary printed by ``carelib qda import``."""
        out = project_summary(self.project)
        if self.mapped:
            out.append(f"matched to the workspace's transcripts: {', '.join(self.mapped)}")
        if self.kept:
            out.append(f"not in the workspace (kept with the project's names and offsets): {', '.join(self.kept)}")
        return out + [f"wrote {p}" for p in self.files]


def project_summary(project: RefiProject) -> list[str]:
    """One line per part of a project: sources, cases, codes, codings per coder, memos, sync points, not imported."""
    by_coder = project.codings["coder"].value_counts().sort_index()
    types = ", ".join(f"{k} ({v})" for k, v in sorted(project.variables.items())) or "none"
    lines = [f"project {project.name!r}" + (f" (from {project.origin})" if project.origin else ""),
             f"sources: {len(project.sources)}", f"cases: {len(project.cases)}; variables: {types}",
             f"codes: {len(project.codebook)}",
             f"codings: {len(project.codings)}" + (" — " + ", ".join(f"{k} {v}" for k, v in by_coder.items())
                                                    if len(by_coder) else ""),
             f"memos: {len(project.memos)}", f"sync points: {len(project.timecodes)}",
             f"not imported: {len(project.unmapped)}"]
    return lines + [f"  - {u}" for u in project.unmapped]


def _back(view: WorkspaceView | None, project: RefiProject) -> tuple[dict[str, tuple[str, Redacted]], list[str]]:
    """Project sources that are the workspace's redacted transcripts: name → (file stem, offsets)."""
    if view is None:
        return {}, []
    same = {name: (view.stems[name], view.documents[name]) for name, text in project.sources.items()
            if name in view.documents and view.documents[name].text == text}
    return same, sorted(set(project.sources) - set(same))


def _spans_back(frame: pd.DataFrame, same: dict, src: str, start: str, end: str) -> pd.DataFrame:
    out = frame.copy()
    for i, r in out.iterrows():
        if r[src] in same:
            stem, doc = same[r[src]]
            if not pd.isna(r[start]):
                out.at[i, start], out.at[i, end] = doc.back(int(r[start])), doc.back(int(r[end]), "end")
            out.at[i, src] = stem
    return out


def import_project(path: str | Path, out: str | Path, *, data_dir: str | Path | None = None) -> QdaImport:
    """Read a ``.qdpx`` and write its tables as workspace files in ``out``.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` (carekit's or a QDA tool's).
    out : str or Path
        Folder to write ``codings.csv`` (human codings: every coder but ``carelib``), ``codebook.yml``,
        ``memos.csv``, ``cases.csv`` and ``timecodes.csv`` to (created when missing).
    data_dir : str or Path, optional
        The workspace: sources that are its redacted transcripts get offsets and ids of the transcripts.

    Returns
    -------
    QdaImport
    """
    project = import_qdpx(path)
    view = read_workspace(data_dir) if data_dir is not None else None
    same, kept = _back(view, project)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    human = project.codings[project.codings["coder"] != AUTO_CODER]
    human = _spans_back(human.astype(object), same, "source", "start", "end")
    files = [to_csv(human.rename(columns={"source": "interview_id", "start": "span_start", "end": "span_end"})
                    .assign(excerpt_id="")[["interview_id", "excerpt_id", "span_start", "span_end", "code", "coder"]],
                    out / "codings.csv")]
    book = [{k: v for k, v in rec.items() if v not in (None, "", [])}
            for rec in project.codebook[CODEBOOK_COLUMNS].to_dict("records")]
    files.append(write_atomic(out / "codebook.yml", yaml.safe_dump(book, sort_keys=False, allow_unicode=True)))
    memos = _spans_back(project.memos.astype(object), same, "source", "start", "end")
    files.append(to_csv(memos.rename(columns={"memo": "memo_id", "source": "interview_id", "start": "span_start",
                                              "end": "span_end"}), out / "memos.csv"))
    cases = project.cases.copy()
    cases["interview_id"] = ["; ".join(same[s][0] if s in same else s for s in t) for t in cases.pop("sources")]
    files.append(to_csv(cases.rename(columns={"case": "participant_id"}), out / "cases.csv"))
    times = project.timecodes.astype(object)
    times["position"] = [same[s][1].back(int(p)) if s in same else p for s, p in zip(times["source"],
                                                                                     times["position"], strict=True)]
    times["source"] = [same[s][0] if s in same else s for s in times["source"]]
    files.append(to_csv(times.rename(columns={"source": "interview_id"}), out / "timecodes.csv"))
    return QdaImport(project, files, sorted(same), kept)
