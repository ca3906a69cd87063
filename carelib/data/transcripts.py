"""Interview transcripts → one turn table, whatever the file: text/Markdown, WebVTT, SubRip, DOCX, PDF.

Every reader returns a :class:`Transcript`: the **turn table** (``interview_id, participant_id,
speaker, role, turn, start, end, text, char_start, char_end, source``) and the **document**,
the text the spans index: ``document[char_start:char_end] == text`` for every turn, so any
quote can be checked against it (:func:`carelib.qual.quotes.verify_quotes`).

- ``.txt`` / ``.md``: ``Speaker: text`` or ``**Speaker:** text`` lines, optional ``[00:01:02]``
  (or Markdown-escaped ``\\[12:34\\]``) stamps; lines without a speaker continue the turn. The
  document is the file itself (BOM removed, CRLF → LF); a turn's text is its exact slice.
- ``.vtt`` (Zoom, Teams, Meet, YouTube): ``WEBVTT`` header, then blocks separated by blank
  lines: a cue is an optional identifier, a timing line ``HH:MM:SS.mmm --> HH:MM:SS.mmm``
  (hours optional, cue settings allowed after it) and its text; ``NOTE``, ``STYLE`` and
  ``REGION`` blocks are skipped. The speaker comes from a ``<v Name>`` voice tag or a
  ``Name:`` label; other tags are removed.
- ``.srt``: blocks of a cue number, a timing line ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` and the
  text (a block that starts with its timing line, without a number, is accepted).
- ``.docx``: paragraphs (python-docx), read as text lines.
- ``.pdf``: the text layer (pdfplumber), page by page; leading line numbers are removed
  when the transcript is line-numbered. A PDF without a text layer is an error.

In cue files each line of a cue that starts with a speaker label starts a new turn; a line
without one continues the current speaker (from an earlier cue if need be); the lines of a
turn are joined by a space, consecutive cues of one speaker merge into one turn, empty cues
are dropped. ``.`` and ``,`` are both accepted before the milliseconds. The document is the
transcript as read, one ``Speaker: text`` line per turn.

**Speaker labels.** A line starts a turn when it begins (after an optional stamp) with a
name and a colon followed by a space, or with ``**Name:**``. Roster names are always
recognised (they may hold any character, even a colon). Any other name must look like one:

1. one to six words, at most 60 characters, starting with a letter or a digit;
2. no sentence punctuation (``, ; ! ?`` or quotes, or a ``.`` followed by a space), except the
   period of a title or an initial: ``Dr. Ortiz``, ``J. Smith``, ``Mrs. O’Brien``,
   ``Prof. Anne-Marie Duval``;
3. every word starts with a capital letter, a digit or a bracket (``Interviewer (Sam)``,
   ``P01``, ``Speaker 2``), except name particles (``van``, ``de`` …) — or the whole name is a
   role word in any case (``interviewer``, ``participant 2``);
4. not a word that opens ordinary text (:data:`NOT_SPEAKERS`: ``Re``, ``Note``, ``Time``,
   ``Date``, ``Yes``, ``So`` …).

Only the first label of a line counts: ``Dr. Ortiz: Re: billing`` is Dr. Ortiz saying
"Re: billing". ``Time: 10:30``, ``Note: the app crashed`` and ``https://x`` continue the
current turn. A speaker written in lower case, or one that looks like a label word, is
recognised when the roster names it.

Roles come from a roster (``name`` → ``role``, ``participant_id``), else from the speaker
name ("Interviewer", "Host", "Moderator" … vs "Participant", "Guest" …), else the first
speaker is taken as the interviewer.

**Timestamps and warnings** (rules in :mod:`carelib.data.speaker_labels`): ``[mm:ss]``,
``[h:mm:ss]``, ``(mm:ss)``, ``(h:mm:ss)`` and a bare ``h:mm:ss`` are read before a name. An
impossible time is refused with a :class:`DataError` naming file and line: minutes or seconds
of 60 or more, a time more than 5 seconds before an earlier one, a time past 12 hours (the
longest interview accepted; cue files too). A line that looks like a stamped speaker line but is
not one (``[1:02:03.4.5] Anna:``, ``(00:12) Anna - …``) stays text of the current turn and is
listed in ``warnings`` ("<file> line <n>: …") of the result, for ``carelib validate`` to show.
Speaker names are case-folded: ``ANNA:`` and ``Anna:`` are one speaker (spelled as first seen).

**Errors.** Files must be UTF-8 (a BOM is removed; UTF-16 with a BOM is read as such); any
other encoding is refused with the line of the first bad byte unless ``encoding=`` names
it. Empty files, a missing ``WEBVTT`` header, a cue number that is not a number, a missing or
mistyped timing line (``->`` for ``-->``), a cue that ends before it starts or starts before
the previous cue, and a timing line with no blank line before it raise :class:`DataError`
naming the file (with its folder), the line, what was expected and what was found.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from carelib.data.speaker_labels import (
    BACKWARDS_TOLERANCE,
    BOLD,
    LEAD_STAMP,
    MAX_SECONDS,
    NOT_SPEAKERS,
    PLAIN,
    plausible_name,
    stamp_of,
    stamp_seconds,
    suspect_line,
)
from carelib.errors import DataError, ParameterError

__all__ = ["Transcript", "Transcripts", "read_transcript", "read_transcripts", "TURN_COLUMNS", "SUFFIXES", "NOT_SPEAKERS"]

TURN_COLUMNS = ["interview_id", "participant_id", "speaker", "role", "turn", "start", "end", "text", "char_start",
                "char_end", "source"]
SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".docx", ".pdf")
# the asking side: a research interviewer, or the company's side of a support conversation (agent, bot, action)
INTERVIEWER_NAMES = re.compile(r"^(interviewer|host|moderator|researcher|facilitator|int|i|agent|bot|action)\b", re.IGNORECASE)
PARTICIPANT_NAMES = re.compile(r"^(participant|interviewee|guest|respondent|user|customer|p\d*)\b", re.IGNORECASE)
SKIP_SPEAKERS = {"break", "ad", "music", "intro", "outro"}


@dataclass
class Transcript:
    """One interview: its turn table and the document its spans index."""

    turns: pd.DataFrame
    document: str
    source: str
    #: lines that looked like speaker lines but were read as text ("<file> line <n>: …")
    warnings: list[str] = field(default_factory=list)


@dataclass
class Transcripts:
    """Several interviews: one turn table and a document per interview id."""

    turns: pd.DataFrame
    documents: dict[str, str] = field(default_factory=dict)
    #: the warnings of every file, in path order
    warnings: list[str] = field(default_factory=list)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    total = 0.0
    for v in values:
        total = total * 60 + v
    return total


def _decode(path: Path, where: str, encoding: str | None = None) -> str:
    """The file's text, LF line ends, no BOM; a clear error when it is empty or not UTF-8."""
    raw = path.read_bytes()
    if encoding is None and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # the BOM says so: Windows tools export UTF-16
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        fix = ("save it as UTF-8, or pass the encoding it was written in, e.g. encoding='cp1252' for "
               "Windows text" if encoding is None else
               f"check the encoding: {encoding!r} was given")
        raise DataError(f"{where} line {line}: not {encoding or 'UTF-8'} text (byte 0x{raw[exc.start]:02x}); "
                        f"{fix}") from None
    except LookupError:
        raise ParameterError(f"encoding: expected a Python codec name such as 'utf-8' or 'cp1252', "
                             f"found {encoding!r}") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise DataError(f"{where} line {line}: NUL bytes in the text, so probably UTF-16 without a BOM; "
                        "pass encoding='utf-16-le' (or 'utf-16-be')")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DataError(f"{where}: the file is empty; expected {_EXPECTED[path.suffix.lower()]}")
    return text


_EXPECTED = {".txt": "'Speaker: text' lines", ".md": "'Speaker: text' lines",
             ".vtt": "a 'WEBVTT' header and cues", ".srt": "numbered SubRip cues"}


def _match_speaker(line: str, known: dict[str, str]) -> tuple[str, int, str | None] | None:
    """(speaker, offset of the text in the line, stamp) when the line starts a turn."""
    lead = LEAD_STAMP.match(line)
    stamp = stamp_of(lead)
    body_at = lead.end() if lead else 0
    body = line[body_at:]
    low = body.lower()
    for name_low, name in known.items():  # roster names first: they may contain a colon
        for form in (f"**{name_low}:**", f"**{name_low}**:", f"{name_low}:"):
            if low.startswith(form):
                rest = body[len(form):]
                return name, body_at + len(form) + (len(rest) - len(rest.lstrip(" \t"))), stamp
    m = BOLD.match(line) or PLAIN.match(line)
    if m and plausible_name(m.group("name"), set(known)):
        st = stamp_of(m) or stamp
        return m.group("name").strip(), m.end(), st
    return None


def _parse_lines(document: str, source: str, known: dict[str, str], *, strip_numbers: bool = False,
                 warnings: list[str] | None = None) -> list[dict]:
    """Turns from ``Speaker: text`` lines; spans are offsets into ``document``; suspect lines go to ``warnings``."""
    turns: list[dict] = []
    pos = 0
    current: dict | None = None
    names: dict[str, str] = {}  # case-folded speaker -> the first spelling (ANNA and Anna are one speaker)
    clock: tuple[float, int] | None = None  # the latest time read, and its line
    for lineno, line in enumerate(document.split("\n"), start=1):
        start_of_line = pos
        pos += len(line) + 1
        offset = 0
        if strip_numbers:
            m = re.match(r"^\d{1,5}\s+", line)
            if m:
                offset = m.end()
        content = line[offset:]
        if not content.strip():
            continue
        hit = _match_speaker(content, known)
        stamp = hit[2] if hit else stamp_of(LEAD_STAMP.match(content))
        seconds = stamp_seconds(stamp, source, lineno)
        if seconds is not None:
            if clock is not None and seconds < clock[0] - BACKWARDS_TOLERANCE:
                raise DataError(f"{source} line {lineno}: the time {stamp!r} is before the time on line {clock[1]} "
                                f"({_clock(clock[0])}); expected times in order (up to {BACKWARDS_TOLERANCE:g} s back)")
            clock = (max(seconds, clock[0]) if clock else seconds, lineno)
        if hit:
            speaker, at, _ = hit
            speaker = names.setdefault(" ".join(speaker.split()).casefold(), " ".join(speaker.split()))
            if current is not None:
                turns.append(current)
            begin = start_of_line + offset + at
            current = {"speaker": speaker, "start": seconds, "char_start": begin,
                       "char_end": start_of_line + len(line.rstrip()), "line": lineno}
            if current["char_end"] < begin:
                current["char_end"] = begin
            continue
        why = suspect_line(content)
        if why is not None and warnings is not None:
            warnings.append(f"{source} line {lineno}: {why}; read as text of the "
                            f"{'turn before' if current is not None else 'file header'}")
        if current is not None:
            current["char_end"] = start_of_line + len(line.rstrip())
            if current["start"] is None:
                current["start"] = seconds
    if current is not None:
        turns.append(current)
    if not turns:
        first = next((i for i, ln in enumerate(document.split("\n"), 1) if ln.strip()), 1)
        sample = document.split("\n")[first - 1][:60] if document.strip() else ""
        raise DataError(f"{source} line {first}: expected 'Speaker: text' turns, found {sample!r} (no line starts "
                        "with a speaker name and a colon; a lower-case name counts when the roster lists it)")
    return [t for t in turns if t["speaker"].strip().lower() not in SKIP_SPEAKERS]


_TS = r"(?:\d+:)?[0-5]\d:[0-5]\d[.,]\d{3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_TS})[ \t]+-->[ \t]+(?P<end>{_TS})(?:[ \t].*)?$")
_TIMING_LIKE = re.compile(r"^\s*\d+:\d|-+>")  # meant as a timing line, even if mistyped
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_VTT_SKIP = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")
_TAGS = re.compile(r"</?[^>]+>")


@dataclass
class _Cue:
    line: int  # of the timing line
    start: float
    end: float
    lines: list[str]
    stamp: str  # the start as written


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for i, ln in enumerate(lines, start=1):
        if ln.strip():
            current.append((i, ln))
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def _found(line: str) -> str:
    return repr(line.strip()[:40] + ("…" if len(line.strip()) > 40 else ""))


def _timing_at(block: list[tuple[int, str]], srt: bool) -> int | None:
    """Index of a cue block's timing line: first, or second after an identifier (VTT) or a cue number (SRT)."""
    if _TIMING.match(block[0][1]):
        return 0
    if len(block) > 1 and _TIMING.match(block[1][1]) and (not srt or block[0][1].strip().isdigit()):
        return 1
    return None


def _cue_error(block: list[tuple[int, str]], where: str, srt: bool) -> DataError:
    """Why a block is not a cue: the line, what was expected there and what was found."""
    timing = "'HH:MM:SS,mmm --> HH:MM:SS,mmm'" if srt else "'HH:MM:SS.mmm --> HH:MM:SS.mmm'"
    (n1, l1), second = block[0], block[1] if len(block) > 1 else None
    numbered = l1.strip().isdigit()
    if srt and second and _TIMING.match(second[1]):
        return DataError(f"{where} line {n1}: expected a cue number, found {_found(l1)}")
    if _TIMING_LIKE.search(l1) and not numbered:
        return DataError(f"{where} line {n1}: expected a timing line {timing}, found {_found(l1)}")
    if second and (numbered or _TIMING_LIKE.search(second[1])):
        return DataError(f"{where} line {second[0]}: expected a timing line {timing}, found {_found(second[1])}")
    if numbered:
        return DataError(f"{where} line {n1}: expected a timing line {timing} after the cue number "
                         f"{l1.strip()}, found the end of the cue")
    lead = "a cue number" if srt else "a cue (an optional identifier)"
    return DataError(f"{where} line {n1}: expected {lead}, then a timing line {timing}, found {_found(l1)} "
                     "(text after a blank line: a cue without its timing line, or a blank line inside a cue?)")


def _parse_cues(blocks: list[list[tuple[int, str]]], where: str, *, srt: bool) -> list[_Cue]:
    """Cues of VTT/SRT blocks, checked: timing present and well formed, in time order, end ≥ start."""
    cues: list[_Cue] = []
    for block in blocks:
        if not srt and _VTT_SKIP.match(block[0][1]):
            continue
        at = _timing_at(block, srt)
        if at is None:
            raise _cue_error(block, where, srt)
        n, timing = block[at]
        m = _TIMING.match(timing)
        start, end = _seconds(m.group("start")), _seconds(m.group("end"))
        if end > MAX_SECONDS:
            raise DataError(f"{where} line {n}: expected a time within {MAX_SECONDS / 3600:g} hours of the start "
                            f"(no interview is longer), found {m.group('end')!r}")
        if end < start:
            raise DataError(f"{where} line {n}: the cue ends ({m.group('end')}) before it starts "
                            f"({m.group('start')})")
        if cues and start < cues[-1].start:
            raise DataError(f"{where} line {n}: the cue starts at {m.group('start')}, before the cue on line "
                            f"{cues[-1].line} ({cues[-1].stamp}); cues must be in time order")
        text = block[at + 1:]
        inner = next(((i, ln) for i, ln in text if _TIMING.match(ln)), None)
        if inner:
            raise DataError(f"{where} line {inner[0]}: expected a blank line before this timing line, found it "
                            f"inside the text of the cue on line {n}")
        cues.append(_Cue(n, start, end, [ln for _, ln in text], m.group("start")))
    return cues


def _cue_segments(cue: _Cue, known: dict[str, str]) -> list[tuple[str | None, str]]:
    """(speaker or None to continue, text) for each line of a cue; a ``<v Name>`` tag or a label starts a turn."""
    segments: list[tuple[str | None, str]] = []
    for raw in cue.lines:
        voice = _VOICE.search(raw)
        text = _TAGS.sub("", raw)
        hit = None if voice else _match_speaker(text.strip(), known)
        if voice or hit or not segments:
            speaker = voice.group(1).strip() if voice else hit[0] if hit else None
            segments.append((speaker, text.strip()[hit[1]:] if hit else text))
        else:
            segments[-1] = (segments[-1][0], segments[-1][1] + " " + text)
    return segments


def _cues_to_turns(cues: list[_Cue], known: dict[str, str], where: str) -> tuple[list[dict], str]:
    """Merge consecutive text of one speaker; build the document (one ``Speaker: text`` line per turn)."""
    merged: list[dict] = []
    last = "unknown"
    names: dict[str, str] = {}  # case-folded speaker -> first spelling
    for cue in cues:
        for speaker, text in _cue_segments(cue, known):
            text = " ".join(text.split())
            if not text:
                continue
            speaker = names.setdefault(" ".join(speaker.split()).casefold(), " ".join(speaker.split())) \
                if speaker else last
            if merged and merged[-1]["speaker"] == speaker:
                merged[-1]["text"] += " " + text
                merged[-1]["end"] = max(merged[-1]["end"], cue.end)
            else:
                merged.append({"speaker": speaker, "start": cue.start, "end": cue.end, "text": text})
            last = speaker
    if not merged:
        raise DataError(f"{where}: no cue has text ({len(cues)} cue{'s' * (len(cues) != 1)}, all empty); "
                        "expected at least one cue with text")
    parts, pos = [], 0
    for t in merged:
        prefix = f"{t['speaker']}: "
        t["char_start"] = pos + len(prefix)
        t["char_end"] = t["char_start"] + len(t["text"])
        parts.append(prefix + t["text"] + "\n")
        pos += len(parts[-1])
    return merged, "".join(parts)


def _read_vtt(text: str, where: str, known: dict[str, str]) -> tuple[list[dict], str]:
    lines = text.split("\n")
    if not _VTT_HEADER.match(lines[0]):
        raise DataError(f"{where} line 1: expected 'WEBVTT', found {_found(lines[0])}")
    blocks = _blocks(lines)
    header = next((b for b in blocks[0] if _TIMING_LIKE.search(b[1])), None)  # header lines run to a blank line
    if header:
        raise DataError(f"{where} line {header[0]}: expected a blank line after the 'WEBVTT' header, "
                        f"found {_found(header[1])}")
    cues = _parse_cues(blocks[1:], where, srt=False)
    if not cues:
        raise DataError(f"{where}: expected at least one cue after the 'WEBVTT' header, found none")
    return _cues_to_turns(cues, known, where)


def _read_srt(text: str, where: str, known: dict[str, str]) -> tuple[list[dict], str]:
    cues = _parse_cues(_blocks(text.split("\n")), where, srt=True)
    return _cues_to_turns(cues, known, where)


def _read_docx(path: Path, where: str) -> str:
    import docx

    try:
        doc = docx.Document(str(path))
    except Exception as exc:
        raise DataError(f"{where}: not a readable DOCX file ({exc})") from None
    return "\n".join(p.text for p in doc.paragraphs)


def _read_pdf(path: Path, where: str) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [p.extract_text() or "" for p in pdf.pages]
    except Exception as exc:
        raise DataError(f"{where}: not a readable PDF ({exc})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise DataError(f"{where}: the PDF has no text layer (a scan?); run OCR first")
    return text


def _roster_index(roster: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, dict]]:
    if roster is None or len(roster) == 0:
        return {}, {}
    if "name" not in roster.columns:
        raise ParameterError(f"roster needs a 'name' column; columns are {list(roster.columns)}")
    people = {}
    for _, r in roster.iterrows():
        if isinstance(r["name"], str) and r["name"].strip():
            people[r["name"].strip().lower()] = r.to_dict()
    return {k: people[k]["name"].strip() for k in sorted(people, key=len, reverse=True)}, people


def _roles(speakers: list[str], people: dict[str, dict]) -> dict[str, str]:
    roles = {}
    for s in speakers:
        p = people.get(s.lower())
        if p and isinstance(p.get("role"), str) and p["role"]:
            roles[s] = p["role"]
        elif INTERVIEWER_NAMES.match(s):
            roles[s] = "interviewer"
        elif PARTICIPANT_NAMES.match(s):
            roles[s] = "participant"
    if speakers and not any(r == "interviewer" for r in roles.values()) and speakers[0] not in roles:
        roles[speakers[0]] = "interviewer"  # no roster, no telling names: the first speaker asks
    return {s: roles.get(s, "participant") for s in speakers}


def read_transcript(path: str | Path, roster: pd.DataFrame | None = None, *, interview_id: str | None = None,
                    encoding: str | None = None) -> Transcript:
    """Read one transcript file into a :class:`Transcript` (see the module notes for the formats).

    Parameters
    ----------
    path : str or Path
        The transcript file: ``.txt``, ``.md``, ``.vtt``, ``.srt``, ``.docx`` or ``.pdf``.
    roster : DataFrame, optional
        People with ``name`` and optionally ``role`` (interviewer/participant),
        ``participant_id`` and ``interview_id``.
    interview_id : str, optional
        Defaults to the file name without suffix.
    encoding : str, optional
        Of a ``.txt``/``.md``/``.vtt``/``.srt`` file that is not UTF-8 (e.g. ``"cp1252"``); by
        default UTF-8 (with or without a BOM) or UTF-16 with a BOM.

    Returns
    -------
    Transcript
        ``turns`` (one row per turn: ``interview_id, participant_id, speaker, role, turn, start,
        end, text, char_start, char_end, source``; ``start``/``end`` in seconds, NaN without
        timestamps; ``text == document[char_start:char_end]``), ``document`` (the text the spans
        index) and ``source`` (the file name).

    Raises
    ------
    DataError
        The file is missing, empty, not UTF-8, or malformed; the message names the folder and
        file, the line, what was expected and what was found.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "i1.txt"
    >>> _ = p.write_text("[00:00:05] Interviewer: How was it?\\n[00:00:09] Dr. Ortiz: Re: billing.\\nNote: late.\\n")
    >>> t = read_transcript(p)
    >>> t.turns[["speaker", "start", "text"]].values.tolist()
    [['Interviewer', 5.0, 'How was it?'], ['Dr. Ortiz', 9.0, 'Re: billing.\\nNote: late.']]
    >>> t.document[t.turns.char_start[1]:t.turns.char_end[1]] == t.turns.text[1]
    True
    """
    path = Path(path)
    where = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return _read_one(path, roster, interview_id or path.stem, where, encoding)


def _read_one(path: Path, roster: pd.DataFrame | None, iid: str, where: str, encoding: str | None) -> Transcript:
    if not path.exists():
        raise DataError(f"{path}: no such transcript file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{where}: unknown transcript format {suffix!r}; expected one of {', '.join(SUFFIXES)}")
    known, people = _roster_index(roster)
    warnings: list[str] = []
    if suffix in (".txt", ".md"):
        document = _decode(path, where, encoding)
        turns = _parse_lines(document, where, known, warnings=warnings)
    elif suffix in (".vtt", ".srt"):
        reader = _read_vtt if suffix == ".vtt" else _read_srt
        turns, document = reader(_decode(path, where, encoding), where, known)
    else:
        document = _read_docx(path, where) if suffix == ".docx" else _read_pdf(path, where)
        numbered = suffix == ".pdf" and _line_numbered(document)
        turns = _parse_lines(document, where, known, strip_numbers=numbered, warnings=warnings)
    return Transcript(_turn_frame(turns, document, iid, people, path.name), document, path.name, warnings)


def _turn_frame(turns: list[dict], document: str, iid: str, people: dict[str, dict], source: str) -> pd.DataFrame:
    frame = pd.DataFrame(turns)
    frame["text"] = [document[a:b] for a, b in zip(frame["char_start"], frame["char_end"], strict=True)]
    if "end" not in frame:
        starts = frame["start"].astype(float)
        frame["end"] = starts.shift(-1)
    speakers = list(dict.fromkeys(frame["speaker"]))
    roles = _roles(speakers, people)
    frame["role"] = frame["speaker"].map(roles)
    frame["interview_id"] = iid
    frame["participant_id"] = [_participant(s, roles[s], iid, people) for s in frame["speaker"]]
    frame["turn"] = range(1, len(frame) + 1)
    frame["source"] = source
    frame["start"] = frame["start"].astype(float)
    frame["end"] = frame["end"].astype(float)
    return frame[TURN_COLUMNS].reset_index(drop=True)


def _participant(speaker: str, role: str, iid: str, people: dict[str, dict]) -> str | None:
    p = people.get(speaker.lower())
    if p and isinstance(p.get("participant_id"), str) and p["participant_id"]:
        return p["participant_id"]
    if role == "interviewer":
        return None
    return f"{iid}:{speaker}"


def _line_numbered(text: str) -> bool:
    """True when the turns carry running numbers ("1 Interview", "2 Dan: ..."), as in exported PDFs."""
    numbers = [int(m.group(1)) for ln in text.split("\n") if (m := re.match(r"^(\d{1,5})\s+\S", ln))]
    if len(numbers) < 5:
        return False
    steps = sum(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
    return steps / (len(numbers) - 1) >= 0.8


def read_transcripts(folder: str | Path, roster: pd.DataFrame | None = None, *, encoding: str | None = None
                     ) -> Transcripts:
    """Every transcript in ``folder`` (and its subfolders), sorted by path; interview id = file stem.

    With a roster that has ``interview_id``, a participant without a name match in the text
    is still tied to the interview (the roster row whose ``interview_id`` is the file stem).
    ``encoding`` applies to every text file (see :func:`read_transcript`); errors name a file
    by its path from the folder's name (``interviews/p03.vtt line 7: …``).

    Parameters
    ----------
    folder : str or Path
        Folder searched recursively for files with the suffixes of :data:`SUFFIXES`.
    roster : DataFrame, optional
        People with ``name`` and optionally ``role``, ``participant_id`` and ``interview_id``.
    encoding : str, optional
        Encoding of every text file that is not UTF-8 (see :func:`read_transcript`).

    Returns
    -------
    Transcripts
        ``turns``: the turn tables of all files concatenated (columns as in
        :func:`read_transcript`), in path order; ``documents``: interview id → document text.

    Raises
    ------
    DataError
        The folder is missing or holds no transcript, two files share a stem, or a file cannot
        be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such transcripts folder")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder}: no transcripts ({', '.join(SUFFIXES)})")
    frames, docs, warnings = [], {}, []
    for p in files:
        iid = p.stem
        if iid in docs:
            raise DataError(f"{p.name}: two transcripts share the interview id {iid!r}")
        where = "/".join((folder.resolve().name, *p.relative_to(folder).parts))
        t = _read_one(p, roster, iid, where, encoding)
        frames.append(t.turns)
        docs[iid] = t.document
        warnings += t.warnings
    return Transcripts(pd.concat(frames, ignore_index=True), docs, warnings)
