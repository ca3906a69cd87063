"""Evidence: quotes with exact spans, verbatim checks, insights and user stories.

A quote is a span of one turn of the turn table (``interview_id, turn, speaker, start,
text, char_start, char_end`` — see :mod:`carelib.data.transcripts`): it carries the interview,
the speaker, the timecode and the exact character span, so it can always be checked
against its source. :func:`verify_quotes` is that check; reports run it before rendering,
and it fails when a rendered quote no longer matches its source (after redaction, when a
redactor is given).

An insight is a claim + the codes it rests on + supporting quotes, counted by
participant. Readers never see a file name or a speaker's name: :func:`pseudonymise` numbers
the interviews (``interview 1`` …) and shows every person by participant id (the roster's,
or a generated one for someone the roster lacks), before anything is counted or quoted. A user story turns a pain code into "As a <segment>, I want <need>, so that
<benefit>" with its evidence counts; the need and benefit come from the codebook entry
(optional fields ``need`` and ``so_that``) or a plain fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["pseudonymise", "reader_ids", "quote_spans", "verify_quotes", "pick_quotes", "insights", "user_stories", "timecode"]

QUOTE_COLUMNS = ["quote_id", "interview_id", "participant_id", "speaker", "turn", "timecode", "span_start", "span_end", "text"]


def timecode(seconds: float | None) -> str:
    """``[hh:]mm:ss`` or an empty string when the transcript has no times.

    Examples
    --------
    >>> timecode(3725.4), timecode(62), timecode(None)
    ('1:02:05', '01:02', '')
    """
    if seconds is None or pd.isna(seconds):
        return ""
    s = int(seconds)
    h, m, sec = s // 3600, (s % 3600) // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def _roster_ids(roster: pd.DataFrame | None) -> dict[str, str]:
    """Roster name → participant id (rows with both)."""
    if roster is None or not {"name", "participant_id"} <= set(roster.columns):
        return {}
    return {str(n).strip(): str(p) for n, p in zip(roster["name"], roster["participant_id"], strict=True)
            if isinstance(n, str) and n.strip() and isinstance(p, str) and p.strip()}


def _new_id(taken: set[str]) -> str:
    n = 1
    while f"P{n:02d}" in taken:
        n += 1
    taken.add(f"P{n:02d}")
    return f"P{n:02d}"


def pseudonymise(
    turns: pd.DataFrame,
    documents: dict[str, str],
    roster: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """The turn table as readers may see it: interviews numbered, people by participant id only.

    The turn table of :mod:`carelib.data.transcripts` names interviews by file stem
    (``p01-ruth``), speakers by the name in the file, and a participant the roster does not
    know as ``"<file stem>:<speaker name>"``. Everything shown or exported must use this
    function's output instead.

    Parameters
    ----------
    turns : DataFrame
        The turn table (``interview_id, participant_id, speaker, role, source`` ...).
    documents : dict
        File stem → document text (the text the turns' spans index).
    roster : DataFrame, optional
        People with ``name`` and ``participant_id``.

    Returns
    -------
    turns : DataFrame
        A copy with ``interview_id`` = ``interview 1``, ``interview 2`` … (in order of
        appearance); ``participant_id`` = the roster's id, or a generated ``P<nn>`` not used
        by the roster for a participant it lacks (one per interview and speaker), ``None``
        for an interviewer the roster lacks; ``speaker`` = that id, or ``Interviewer``;
        ``source`` = the file format (``txt``, ``vtt`` …), never the file name.
    documents : dict
        The same documents keyed by the new interview ids.
    names : dict
        Every real name (roster names and speaker names) → the id shown for it: the
        mapping a :class:`carelib.text.redact.Redactor` needs so names in the text become ids.

    Examples
    --------
    >>> turns = pd.DataFrame({"interview_id": ["p01-ruth", "p01-ruth", "p02-jo"],
    ...                       "participant_id": [None, "p01-ruth:Ruth Okafor", "P02"],
    ...                       "speaker": ["Maya", "Ruth Okafor", "Jo Lee"],
    ...                       "role": ["interviewer", "participant", "participant"],
    ...                       "source": ["p01-ruth.txt", "p01-ruth.txt", "p02-jo.vtt"]})
    >>> roster = pd.DataFrame({"name": ["Jo Lee"], "participant_id": ["P02"]})
    >>> t, docs, names = pseudonymise(turns, {"p01-ruth": "...", "p02-jo": "..."}, roster)
    >>> t[["interview_id", "participant_id", "speaker", "source"]].values.tolist()
    [['interview 1', None, 'Interviewer', 'txt'], ['interview 1', 'P01', 'P01', 'txt'], ['interview 2', 'P02', 'P02', 'vtt']]
    >>> sorted(docs), sorted(names.items())
    (['interview 1', 'interview 2'], [('Jo Lee', 'P02'), ('Maya', 'Interviewer'), ('Ruth Okafor', 'P01')])
    """
    need = {"interview_id", "participant_id", "speaker", "role"}
    missing = need - set(turns.columns)
    if missing:
        raise ParameterError(f"turns lacks column(s) {sorted(missing)}; expected the turn table of carelib.data.transcripts")
    known = _roster_ids(roster)
    roster_ids = set(known.values())
    taken = set(roster_ids)
    interviews = {iid: f"interview {i}" for i, iid in enumerate(dict.fromkeys(turns["interview_id"]), start=1)}
    unknown = [iid for iid in documents if iid not in interviews]
    if unknown:
        interviews |= {iid: f"interview {len(interviews) + i}" for i, iid in enumerate(unknown, start=1)}
    generated: dict[tuple[str, str], str] = {}
    names = dict(known)
    pids, speakers = [], []
    for iid, pid, speaker, role in zip(turns["interview_id"], turns["participant_id"], turns["speaker"], turns["role"],
                                       strict=True):
        speaker = str(speaker)
        if isinstance(pid, str) and pid in roster_ids:
            shown = pid
        elif known.get(speaker.strip()) is not None:
            shown = known[speaker.strip()]
        elif role == "interviewer":
            shown = None
        else:
            if (str(iid), speaker) not in generated:
                generated[(str(iid), speaker)] = _new_id(taken)
            shown = generated[(str(iid), speaker)]
        pids.append(shown)
        speakers.append(shown if shown is not None else "Interviewer")
        names.setdefault(speaker.strip(), shown if shown is not None else "Interviewer")
    out = turns.copy()
    out["interview_id"] = out["interview_id"].map(interviews)
    out["participant_id"] = pd.Series(pids, index=out.index, dtype=object)
    out["speaker"] = speakers
    if "source" in out.columns:
        out["source"] = out["source"].map(lambda f: re.sub(r"^.*\.", "", str(f)).lower() if "." in str(f) else "")
    docs = {interviews[k]: v for k, v in documents.items()}
    return out, docs, {k: v for k, v in names.items() if k}


_SHOWN_INTERVIEW = re.compile(r"^interview \d+$")


def _is_shown_id(value: object) -> bool:
    """A participant id readers may see: a roster id or a pseudonym, never ``<file stem>:<name>``."""
    return isinstance(value, str) and bool(value.strip()) and ":" not in value


def reader_ids(turns: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """What readers see for each interview id and participant id of a turn table.

    Interview ids that are not yet ``interview <n>`` (file stems such as ``p01-ruth``) are
    numbered in order of appearance, as :func:`pseudonymise` numbers them; a participant id
    the roster did not give (``<file stem>:<speaker name>``) becomes a ``P<nn>`` not otherwise
    used. Ids that are already fit to show map to themselves.

    Parameters
    ----------
    turns : DataFrame
        A turn table with ``interview_id`` and ``participant_id``.

    Returns
    -------
    interviews, participants : tuple of dict
        Old id → id shown.

    Examples
    --------
    >>> t = pd.DataFrame({"interview_id": ["p01-ruth", "p01-ruth", "p02"],
    ...                   "participant_id": [None, "p01-ruth:Ruth", "P02"]})
    >>> reader_ids(t)
    ({'p01-ruth': 'interview 1', 'p02': 'interview 2'}, {'p01-ruth:Ruth': 'P01', 'P02': 'P02'})
    """
    ids = list(dict.fromkeys(turns["interview_id"].astype(str)))
    if all(_SHOWN_INTERVIEW.match(i) for i in ids):
        interviews = {i: i for i in ids}
    else:
        interviews = {i: f"interview {n}" for n, i in enumerate(ids, start=1)}
    people = [p for p in dict.fromkeys(turns["participant_id"]) if isinstance(p, str) and p.strip()]
    taken = {p for p in people if _is_shown_id(p)}
    participants = {p: (p if _is_shown_id(p) else _new_id(taken)) for p in people}
    return interviews, participants


def _for_readers(frame: pd.DataFrame, interviews: dict[str, str], participants: dict[str, str]) -> pd.DataFrame:
    """``frame`` with interview and participant ids as readers see them; speakers by id, sources by format."""
    out = frame.copy()
    if "interview_id" in out.columns:
        out["interview_id"] = out["interview_id"].astype(str).map(lambda i: interviews.get(i, i))
    if "participant_id" in out.columns:
        pid = out["participant_id"].map(lambda p: participants.get(p, p) if isinstance(p, str) and p.strip() else None)
        out["participant_id"] = pid.astype(object)
        if "speaker" in out.columns:
            out["speaker"] = [p if p is not None else "Interviewer" for p in out["participant_id"]]
    if "source" in out.columns:
        out["source"] = out["source"].map(lambda f: re.sub(r"^.*\.", "", str(f)).lower() if "." in str(f) else "")
    for col in ("excerpt_id", "quote_id"):  # ids built as "<interview>#<turn>"
        if col in out.columns:
            out[col] = out[col].map(lambda v: _renumber(v, interviews))
    return out


def _renumber(value: object, interviews: dict[str, str]) -> object:
    head, sep, tail = str(value).rpartition("#")
    return f"{interviews[head]}#{tail}" if sep and head in interviews else value


def quote_spans(coded: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """Quotes for coded excerpts that are whole turns: one row per (excerpt, turn) with its exact span.

    ``coded`` needs ``interview_id`` and ``turn``; the span is the turn's
    ``[char_start, char_end)`` in the interview document. A quote names its participant by
    id (the roster's, or a pseudonym) and its interview by number, never by file name or a
    person's name: turns straight from :mod:`carelib.data.transcripts` are shown as
    :func:`reader_ids` says (pass the documents of :func:`pseudonymise` to
    :func:`verify_quotes`).

    Parameters
    ----------
    coded : DataFrame
        Codings with ``interview_id, turn`` (one row per excerpt and code).
    turns : DataFrame
        The turn table the codings index (pseudonymised, or as read).

    Returns
    -------
    DataFrame
        ``quote_id, interview_id, participant_id, speaker, turn, timecode, span_start,
        span_end, text``; ``quote_id`` is ``interview <n>#<turn>``.
    """
    need = {"interview_id", "turn", "speaker", "text", "char_start", "char_end"}
    missing = need - set(turns.columns)
    if missing:
        raise ParameterError(f"turns lacks column(s) {sorted(missing)}")
    keys = coded[["interview_id", "turn"]].drop_duplicates()
    keys = keys.assign(interview_id=keys["interview_id"].astype(str))
    turns = turns.assign(interview_id=turns["interview_id"].astype(str))
    merged = keys.merge(turns, on=["interview_id", "turn"], how="left", validate="one_to_one")
    if merged["text"].isna().any():
        lost = merged.loc[merged["text"].isna(), ["interview_id", "turn"]].iloc[0].tolist()
        raise DataError(f"coded excerpt refers to turn {lost[1]} of {lost[0]!r}, which the turn table does not have")
    if "participant_id" in turns.columns:
        merged = _for_readers(merged, *reader_ids(turns))
    out = pd.DataFrame(
        {
            "quote_id": [f"{i}#{t}" for i, t in zip(merged["interview_id"], merged["turn"], strict=True)],
            "interview_id": merged["interview_id"],
            "participant_id": merged.get("participant_id"),
            "speaker": merged["speaker"],
            "turn": merged["turn"],
            "timecode": [timecode(x) for x in merged.get("start", pd.Series([None] * len(merged)))],
            "span_start": merged["char_start"].astype(int),
            "span_end": merged["char_end"].astype(int),
            "text": merged["text"],
        }
    )
    return out[QUOTE_COLUMNS].reset_index(drop=True)


def verify_quotes(
    quotes: pd.DataFrame,
    documents: dict[str, str],
    *,
    redact: Callable[[str], str] | None = None,
    shown: pd.Series | None = None,
) -> pd.DataFrame:
    """Check that every quote is verbatim in its source; raise :class:`DataError` if not.

    Parameters
    ----------
    quotes : DataFrame
        With ``quote_id, interview_id, span_start, span_end, text``.
    documents : dict
        interview id -> the interview's document text (the text the spans index): those of
        :func:`pseudonymise`, or those as read (keyed by file stem, in the order of the turn
        table), which quotes reach by their number ``interview <n>``.
    redact : callable, optional
        The redaction applied before rendering; when given, ``shown`` (the rendered
        strings, default ``quotes.text``) must equal ``redact(source span)``.

    Returns
    -------
    DataFrame
        The quotes with a ``verified`` column (all True) when every check passed.

    Examples
    --------
    >>> q = pd.DataFrame({"quote_id": ["a"], "interview_id": ["i1"], "span_start": [4], "span_end": [8],
    ...                   "text": ["late"]})
    >>> verify_quotes(q, {"i1": "Too late."})["verified"].tolist()
    [True]
    """
    problems = []
    rendered = shown if shown is not None else quotes["text"]
    if documents and not all(_SHOWN_INTERVIEW.match(str(k)) for k in documents):
        # documents as read (keyed by file stem): also reachable by the numbers quotes show
        documents = {**documents, **{f"interview {n}": d for n, d in enumerate(documents.values(), start=1)}}
    for (_, q), out in zip(quotes.iterrows(), rendered, strict=True):
        doc = documents.get(q["interview_id"])
        if doc is None:
            problems.append(f"quote {q['quote_id']}: interview {q['interview_id']!r} not found")
            continue
        source = doc[int(q["span_start"]) : int(q["span_end"])]
        expected = redact(source) if redact is not None else source
        if out != expected:
            problems.append(
                f"quote {q['quote_id']}: rendered text does not match its source span "
                f"[{q['span_start']}:{q['span_end']}] of {q['interview_id']!r}: rendered {out[:60]!r}, source {expected[:60]!r}"
            )
    if problems:
        raise DataError(f"{len(problems)} quote(s) do not match their source\n" + "\n".join(problems), problems)
    return quotes.assign(verified=True)


def pick_quotes(coded: pd.DataFrame, *, per_code: int = 3, confidence: str = "confidence", min_chars: int = 25) -> pd.DataFrame:
    """Representative quotes per code: most confident first, at most one per participant.

    ``coded`` needs ``code, participant_id, text`` and the confidence column; short
    utterances ("yes", "mm") are skipped when longer ones exist.

    Parameters
    ----------
    coded : DataFrame
        Codings with text: ``code, participant_id, text`` and the ``confidence`` column.
    per_code : int
        Most quotes kept per code.
    confidence : str
        Column ranking the quotes (higher first; ties by participant id).
    min_chars : int
        Texts shorter than this come after every longer one of the code.

    Returns
    -------
    DataFrame
        Rows of ``coded`` (all its columns, ids as readers see them: see :func:`reader_ids`),
        at most ``per_code`` per code and one per participant and code, sorted by code then rank.

    Examples
    --------
    >>> texts = ["It came a week late, again.", "late", "Nobody told me it was late."]
    >>> c = pd.DataFrame({"code": ["late"] * 3, "participant_id": ["P1", "P1", "P2"],
    ...                   "text": texts, "confidence": [0.9, 1.0, 0.8]})
    >>> pick_quotes(c, per_code=2)[["participant_id", "text"]].values.tolist()
    [['P1', 'It came a week late, again.'], ['P2', 'Nobody told me it was late.']]
    """
    c = _readable(coded)
    c["_long"] = c["text"].str.len() >= min_chars
    c = c.sort_values(["code", "_long", confidence, "participant_id"], ascending=[True, False, False, True], kind="stable")
    c = c.drop_duplicates(["code", "participant_id"])
    return c.groupby("code", sort=True).head(per_code).drop(columns="_long").reset_index(drop=True)


def _readable(coded: pd.DataFrame) -> pd.DataFrame:
    """Codings with reader ids (interviews by number, participants by id), when they carry ids."""
    if {"interview_id", "participant_id"} <= set(coded.columns):
        return _for_readers(coded, *reader_ids(coded))
    if "participant_id" in coded.columns:
        ids = coded.assign(interview_id="interview 1")
        return _for_readers(coded, {}, reader_ids(ids)[1])
    return coded.copy()


def insights(
    coded: pd.DataFrame,
    codebook: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    min_participants: int = 3,
    per_code: int = 3,
) -> pd.DataFrame:
    """Insights: for each code voiced by at least ``min_participants`` people, a claim with evidence.

    Parameters
    ----------
    coded : DataFrame
        Codings with text: ``code, participant_id, interview_id, speaker, text, confidence``.
    codebook : DataFrame
        ``code, definition``; the definition becomes the claim (the code name when absent).
    participants : DataFrame
        The roster (``participant_id`` and optionally ``role``); only participants (not
        interviewers) make the denominator ``of``.
    min_participants : int
        Least distinct participants voicing a code for it to become an insight.
    per_code : int
        Quotes per insight (see :func:`pick_quotes`).

    Returns
    -------
    DataFrame
        ``code, claim, participants, of, share, quotes`` (quotes: list of quote dicts
        with ``participant_id``, ``timecode`` and ``text`` — never an interview's file name or a
        person's name), ordered by participants (descending); ``share = participants / of``
        rounded to 3 decimals.
    """
    coded = _readable(coded)
    people = participants[participants.get("role", "participant") == "participant"] if "role" in participants else participants
    total = people["participant_id"].nunique()
    if total == 0:
        raise ParameterError("no participants: insights count people, and the roster has none")
    counts = coded.groupby("code")["participant_id"].nunique()
    defs = dict(zip(codebook["code"], codebook["definition"], strict=True))
    chosen = pick_quotes(coded, per_code=per_code)
    if "timecode" not in chosen.columns:
        chosen["timecode"] = [timecode(x) for x in chosen["start"]] if "start" in chosen.columns else ""
    rows = []
    for code, n in counts.sort_values(ascending=False, kind="stable").items():
        if n < min_participants:
            continue
        q = chosen[chosen["code"] == code]
        rows.append(
            {
                "code": code,
                "claim": f"{n} of {total} participants: {defs.get(code, code).rstrip('.')}.",
                "participants": int(n),
                "of": total,
                "share": round(n / total, 3),
                "quotes": q[["participant_id", "timecode", "text"]].to_dict("records"),
            }
        )
    return pd.DataFrame(rows, columns=["code", "claim", "participants", "of", "share", "quotes"])


def user_stories(
    coded: pd.DataFrame,
    codebook: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    segment: str,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """Pains as user stories for a backlog, with evidence counts.

    For each code, the segment with the most participants voicing it becomes the
    "As a ..."; ``need``/``so_that`` come from the codebook when it has them.

    Parameters
    ----------
    coded : DataFrame
        Codings: ``code, participant_id`` (one row per coded excerpt).
    codebook : DataFrame
        ``code, definition`` and optionally ``need, so_that``.
    participants : DataFrame
        The roster: ``participant_id`` and the ``segment`` column.
    segment : str
        Column of ``participants`` naming the "As a …" (e.g. ``"plan"``).
    codes : list of str, optional
        Codes to write stories for; default every code.

    Returns
    -------
    DataFrame
        ``code, story, segment, participants, quotes`` (CSV-ready): ``participants`` counts
        distinct people voicing the code, ``quotes`` its coded excerpts; sorted by descending
        participants, then code.
    """
    if segment not in participants.columns:
        raise ParameterError(f"participants has no column {segment!r}; columns are {list(participants.columns)}")
    merged = coded.merge(participants[["participant_id", segment]], on="participant_id", how="left")
    book = codebook.set_index("code")
    rows = []
    for code, g in merged.groupby("code", sort=True):
        if codes is not None and code not in codes:
            continue
        by_seg = g.groupby(segment)["participant_id"].nunique().sort_values(ascending=False, kind="stable")
        if by_seg.empty:
            continue
        who = str(by_seg.index[0])
        entry = book.loc[code] if code in book.index else None

        def field(name: str, entry: pd.Series | None = entry) -> str | None:
            value = entry.get(name) if entry is not None else None
            return value if isinstance(value, str) and value else None

        definition = field("definition")
        need = field("need") or (f"this fixed: {definition.rstrip('.').lower()}" if definition else f"'{code}' fixed")
        so_that = field("so_that") or "I can keep trusting you with my orders"
        rows.append(
            {
                "code": code,
                "story": f"As a {who} customer, I want {need}, so that {so_that}.",
                "segment": who,
                "participants": int(g["participant_id"].nunique()),
                "quotes": int(len(g)),
            }
        )
    out = pd.DataFrame(rows, columns=["code", "story", "segment", "participants", "quotes"])
    return out.sort_values(["participants", "code"], ascending=[False, True], ignore_index=True)
