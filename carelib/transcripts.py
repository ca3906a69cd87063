"""Interview transcripts → one turn table, whatever the file: text/Markdown, WebVTT, SubRip, DOCX, PDF.

Every reader returns a :class:`Transcript`: the **turn table** (``interview_id, participant_id,
speaker, role, turn, start, end, text, char_start, char_end, source``) and the **document**,
the text the spans index: ``document[char_start:char_end] == text`` for every turn, so any
quote can be checked against it (:func:`carelib.quotes.verify_quotes`).

- ``.txt`` / ``.md``: ``Speaker: text`` or ``**Speaker:** text`` lines, optional ``[00:01:02]``
  (or Markdown-escaped ``\\[12:34\\]``) stamps; lines without a speaker continue the turn. The
  document is the file itself (BOM removed, CRLF → LF); a turn's text is its exact slice.
- ``.vtt`` (Zoom, Teams, Meet): cues parsed by webvtt-py; the speaker from a ``<v Name>``
  voice tag or a ``Name:`` prefix; the lines of a cue joined by a space; consecutive cues of
  one speaker merged into one turn; empty cues dropped.
- ``.srt``: cues parsed by ``srt``; speaker from a ``Name:`` prefix (a cue without one
  continues the previous speaker).
- ``.docx``: paragraphs (python-docx), read as text lines.
- ``.pdf``: the text layer (pdfplumber), page by page; leading line numbers are removed
  when the transcript is line-numbered. A PDF without a text layer is an error.

For the cue and document formats the document is the transcript as read, one
``Speaker: text`` line per turn.

Roles come from a roster (``name`` → ``role``, ``participant_id``), else from the speaker
name ("Interviewer", "Host", "Moderator" … vs "Participant", "Guest" …), else the first
speaker is taken as the interviewer. Malformed files raise :class:`DataError` naming the file
and line.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["Transcript", "Transcripts", "read_transcript", "read_transcripts", "TURN_COLUMNS", "SUFFIXES"]

TURN_COLUMNS = ["interview_id", "participant_id", "speaker", "role", "turn", "start", "end", "text", "char_start",
                "char_end", "source"]
SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".docx", ".pdf")
INTERVIEWER_NAMES = re.compile(r"^(interviewer|host|moderator|researcher|facilitator|int|i)\b", re.IGNORECASE)
PARTICIPANT_NAMES = re.compile(r"^(participant|interviewee|guest|respondent|user|customer|p\d*)\b", re.IGNORECASE)
SKIP_SPEAKERS = {"break", "ad", "music", "intro", "outro"}
_STAMP = r"(?:\\?\[(?P<stamp>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\\?\]\s*|\(?(?P<stamp2>\d{1,2}:\d{2}:\d{2})\)?\s+)"
_BOLD = re.compile(r"^" + _STAMP + r"?\*\*(?P<name>[^*\n]{1,80}?)(?::\*\*|\*\*:)[ \t]*")
_PLAIN = re.compile(r"^" + _STAMP + r"?(?P<name>[^\s:*\[\]][^:\n]{0,60}?):[ \t]+")
_LEAD_STAMP = re.compile(r"^" + _STAMP)


@dataclass
class Transcript:
    """One interview: its turn table and the document its spans index."""

    turns: pd.DataFrame
    document: str
    source: str


@dataclass
class Transcripts:
    """Several interviews: one turn table and a document per interview id."""

    turns: pd.DataFrame
    documents: dict[str, str] = field(default_factory=dict)


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


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes every byte but five
        raise DataError(f"{path.name}: not UTF-8 or cp1252 text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plausible_name(name: str, known: set[str]) -> bool:
    n = name.strip()
    if n.lower() in known:
        return True
    words = n.split()
    if not words or len(words) > 6 or len(n) > 60:
        return False
    if re.search(r"[.!?,;\"“”]\s|[!?;\"“”]$|https?$", n):
        return False
    return n[0].isalpha() or n[0].isdigit()


def _match_speaker(line: str, known: dict[str, str]) -> tuple[str, int, str | None] | None:
    """(speaker, offset of the text in the line, stamp) when the line starts a turn."""
    lead = _LEAD_STAMP.match(line)
    stamp = (lead.group("stamp") or lead.group("stamp2")) if lead else None
    body_at = lead.end() if lead else 0
    body = line[body_at:]
    low = body.lower()
    for name_low, name in known.items():  # roster names first: they may contain a colon
        for form in (f"**{name_low}:**", f"**{name_low}**:", f"{name_low}:"):
            if low.startswith(form):
                rest = body[len(form):]
                return name, body_at + len(form) + (len(rest) - len(rest.lstrip(" \t"))), stamp
    m = _BOLD.match(line) or _PLAIN.match(line)
    if m and _plausible_name(m.group("name"), set(known)):
        st = m.group("stamp") or m.group("stamp2") or stamp
        return m.group("name").strip(), m.end(), st
    return None


def _parse_lines(document: str, source: str, known: dict[str, str], *, strip_numbers: bool = False
                 ) -> list[dict]:
    """Turns from ``Speaker: text`` lines; spans are offsets into ``document``."""
    turns: list[dict] = []
    pos = 0
    current: dict | None = None
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
        if hit:
            speaker, at, stamp = hit
            if current is not None:
                turns.append(current)
            begin = start_of_line + offset + at
            current = {"speaker": speaker, "start": _seconds(stamp), "char_start": begin,
                       "char_end": start_of_line + len(line.rstrip()), "line": lineno}
            if current["char_end"] < begin:
                current["char_end"] = begin
        elif current is not None:
            current["char_end"] = start_of_line + len(line.rstrip())
            if current["start"] is None:
                lead = _LEAD_STAMP.match(content)
                if lead:
                    current["start"] = _seconds(lead.group("stamp") or lead.group("stamp2"))
    if current is not None:
        turns.append(current)
    if not turns:
        first = next((i for i, ln in enumerate(document.split("\n"), 1) if ln.strip()), 1)
        sample = document.split("\n")[first - 1][:60] if document.strip() else ""
        raise DataError(f"{source} line {first}: expected 'Speaker: text' turns, found {sample!r} "
                        "(no line starts with a speaker name and a colon)")
    return [t for t in turns if t["speaker"].strip().lower() not in SKIP_SPEAKERS]


_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}\s+-->\s+(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}")
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")
_TAGS = re.compile(r"</?[^>]+>")


def _cue_speaker(text: str, voice: str | None, known: dict[str, str]) -> tuple[str | None, str]:
    if voice:
        return voice.strip(), text
    hit = _match_speaker(text, known)
    if hit:
        return hit[0], text[hit[1]:]
    return None, text


def _cues_to_turns(cues: list[tuple[float, float, str | None, str]], source: str) -> tuple[list[dict], str]:
    """Merge consecutive cues of one speaker; build the document (one ``Speaker: text`` line per turn)."""
    merged: list[dict] = []
    last = "unknown"
    for start, end, speaker, text in cues:
        text = " ".join(text.split())
        if not text:
            continue
        speaker = speaker or last
        if merged and merged[-1]["speaker"] == speaker:
            merged[-1]["text"] += " " + text
            merged[-1]["end"] = max(merged[-1]["end"], end)
        else:
            merged.append({"speaker": speaker, "start": start, "end": end, "text": text})
        last = speaker
    if not merged:
        raise DataError(f"{source}: no cue with text")
    parts, pos = [], 0
    for t in merged:
        prefix = f"{t['speaker']}: "
        t["char_start"] = pos + len(prefix)
        t["char_end"] = t["char_start"] + len(t["text"])
        parts.append(prefix + t["text"] + "\n")
        pos += len(parts[-1])
    return merged, "".join(parts)


def _read_vtt(path: Path, known: dict[str, str]) -> tuple[list[dict], str]:
    import webvtt

    text = _decode(path)
    lines = text.split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise DataError(f"{path.name} line 1: expected 'WEBVTT', found {lines[0][:40]!r}" if lines else
                        f"{path.name}: empty file")
    for i, ln in enumerate(lines, start=1):
        if "-->" in ln and not _TIMING.match(ln):
            raise DataError(f"{path.name} line {i}: expected a cue timing 'hh:mm:ss.mmm --> hh:mm:ss.mmm', found {ln[:60]!r}")
    try:
        vtt = webvtt.from_buffer(io.StringIO(text))
    except Exception as exc:  # webvtt's own errors carry no line; the checks above catch most
        raise DataError(f"{path.name}: not a valid WebVTT file ({exc})") from None
    cues = []
    for cap in vtt.captions:
        raw = cap.raw_text
        voice = _VOICE.search(raw)
        body = _TAGS.sub("", raw)
        speaker, body = _cue_speaker(body, voice.group(1) if voice else None, known)
        cues.append((_seconds(cap.start), _seconds(cap.end), speaker, body))
    cues.sort(key=lambda c: c[0])  # overlapping or out-of-order cues: by start time
    return _cues_to_turns(cues, path.name)


def _read_srt(path: Path, known: dict[str, str]) -> tuple[list[dict], str]:
    import srt

    text = _decode(path)
    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[: getattr(exc, "actual_start", 0)].count("\n") + 1
        raise DataError(f"{path.name} line {line}: expected a SubRip cue (number, timing, text); {exc}") from None
    cues = []
    for s in subs:
        body = _TAGS.sub("", s.content)
        speaker, body = _cue_speaker(body, None, known)
        cues.append((s.start.total_seconds(), s.end.total_seconds(), speaker, body))
    cues.sort(key=lambda c: c[0])
    return _cues_to_turns(cues, path.name)


def _read_docx(path: Path) -> str:
    import docx

    try:
        doc = docx.Document(str(path))
    except Exception as exc:
        raise DataError(f"{path.name}: not a readable DOCX file ({exc})") from None
    return "\n".join(p.text for p in doc.paragraphs)


def _read_pdf(path: Path) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [p.extract_text() or "" for p in pdf.pages]
    except Exception as exc:
        raise DataError(f"{path.name}: not a readable PDF ({exc})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise DataError(f"{path.name}: the PDF has no text layer (a scan?); run OCR first")
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


def read_transcript(path: str | Path, roster: pd.DataFrame | None = None, *, interview_id: str | None = None
                    ) -> Transcript:
    """Read one transcript file into a :class:`Transcript` (see the module notes for the formats).

    Parameters
    ----------
    path : str or Path
    roster : DataFrame, optional
        People with ``name`` and optionally ``role`` (interviewer/participant),
        ``participant_id`` and ``interview_id``.
    interview_id : str, optional
        Defaults to the file name without suffix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "i1.txt"
    >>> _ = p.write_text("[00:00:05] Interviewer: How was it?\\n[00:00:09] Ana: Late again.\\nNobody told me.\\n")
    >>> t = read_transcript(p)
    >>> t.turns[["speaker", "role", "start", "text"]].values.tolist()
    [['Interviewer', 'interviewer', 5.0, 'How was it?'], ['Ana', 'participant', 9.0, 'Late again.\\nNobody told me.']]
    >>> t.document[t.turns.char_start[1]:t.turns.char_end[1]] == t.turns.text[1]
    True
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such transcript file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{path.name}: unknown transcript format {suffix!r}; expected one of {', '.join(SUFFIXES)}")
    known, people = _roster_index(roster)
    if suffix in (".txt", ".md"):
        document = _decode(path)
        turns = _parse_lines(document, path.name, known)
    elif suffix == ".vtt":
        turns, document = _read_vtt(path, known)
    elif suffix == ".srt":
        turns, document = _read_srt(path, known)
    else:
        document = _read_docx(path) if suffix == ".docx" else _read_pdf(path)
        numbered = suffix == ".pdf" and _line_numbered(document)
        turns = _parse_lines(document, path.name, known, strip_numbers=numbered)
    iid = interview_id or path.stem
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
    frame["source"] = path.name
    frame["start"] = frame["start"].astype(float)
    frame["end"] = frame["end"].astype(float)
    return Transcript(frame[TURN_COLUMNS].reset_index(drop=True), document, path.name)


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


def read_transcripts(folder: str | Path, roster: pd.DataFrame | None = None) -> Transcripts:
    """Every transcript in ``folder`` (and its subfolders), sorted by path; interview id = file stem.

    With a roster that has ``interview_id``, a participant without a name match in the text
    is still tied to the interview (the roster row whose ``interview_id`` is the file stem).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such transcripts folder")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder}: no transcripts ({', '.join(SUFFIXES)})")
    frames, docs = [], {}
    for p in files:
        iid = p.stem
        if iid in docs:
            raise DataError(f"{p.name}: two transcripts share the interview id {iid!r}")
        t = read_transcript(p, roster, interview_id=iid)
        frames.append(t.turns)
        docs[iid] = t.document
    return Transcripts(pd.concat(frames, ignore_index=True), docs)
