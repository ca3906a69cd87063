"""Speaker lines of text transcripts: which names are speakers, which stamps are times, which lines look wrong.

The rules :mod:`carelib.data.transcripts` applies to each line of a ``.txt``/``.md``/``.docx``/``.pdf``
transcript (see its module notes): the name rules (:func:`plausible_name`), the timestamp variants
read before a name (:data:`STAMP`), and the checks of a timestamp once read (:func:`stamp_seconds`).

**Timestamps** read before a speaker: ``[mm:ss]``, ``[h:mm:ss]`` (optionally with a fraction,
``[01:15:47.20]``, and Markdown-escaped ``\\[12:34\\]``), ``(mm:ss)``, ``(h:mm:ss)`` and a bare
``h:mm:ss``. Every field after the first is below 60, and so is the first of ``mm:ss`` (write
``h:mm:ss`` past the hour). A time may go back by at most :data:`BACKWARDS_TOLERANCE` seconds
(transcription tools overlap turns a little), and no time may pass :data:`MAX_SECONDS` (12 hours:
no interview lasts longer; a larger time is a typo or a date). A line that *looks like* a
stamped speaker line but is not one of these (``[1:02:03.4.5] Anna:``, ``(00:12) Anna - …``) is
kept as text of the current turn and listed as a warning (:func:`suspect_line`).
"""

from __future__ import annotations

import re

from carelib.errors import DataError

__all__ = ["NOT_SPEAKERS", "STAMP", "BOLD", "PLAIN", "LEAD_STAMP", "MAX_SECONDS", "BACKWARDS_TOLERANCE",
           "plausible_name", "stamp_of", "stamp_seconds", "suspect_line"]

#: Words that open ordinary text with a colon ("Note: …", "Re: …"): a speaker only when on the roster.
NOT_SPEAKERS = frozenset("""re fw fwd note notes nb ps pps time date subject to from cc bcc sent edit update
    warning tip example eg ie see source link todo fyi summary agenda location duration topic title attendees
    yes no so well ok okay and but or also then now here there this that it we they he she you my our the why
    what how when where which because""".split())
_ROLE_WORD = re.compile(r"^(?:interviewer|interviewee|host|moderator|researcher|facilitator|int|i|participant|guest"
                        r"|respondent|user|customer|speaker|p)\s*\d*$", re.IGNORECASE)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos", "das", "al",
              "bin", "ibn", "ben", "y", "e", "ter", "ten", "zu"}
# the period of a title or of initials is part of a name, not the end of a sentence
_NAME_PERIOD = re.compile(r"\b(?i:dr|mr|mrs|ms|mx|prof|rev|fr|sr|jr|st|sgt|capt|col|gen|lt|hon)\."
                          r"|(?<![\w.])(?:[A-Z]\.)+")
_SENTENCE = re.compile(r"[.!?,;\"“”]\s|[!?;\"“”]$")
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
#: a timestamp before a speaker name (groups ``stamp``, ``stamp2``, ``stamp3``)
STAMP = (rf"(?:\\?\[(?P<stamp>{_TIME})\\?\]\s*|\((?P<stamp2>{_TIME})\)\s*"
         r"|(?P<stamp3>\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)\s+)")
BOLD = re.compile(r"^" + STAMP + r"?\*\*(?P<name>[^*\n]{1,80}?)(?::\*\*|\*\*:)[ \t]*")
PLAIN = re.compile(r"^" + STAMP + r"?(?P<name>[^\s:*\[\]()][^:\n]{0,60}?):[ \t]+")
LEAD_STAMP = re.compile(r"^" + STAMP)
MAX_SECONDS = 12 * 3600.0
BACKWARDS_TOLERANCE = 5.0
# something time-like in brackets, or a bare number with a colon, then a capitalised name and ':' or ' - '
_SUSPECT = re.compile(r"^\s*(?:\\?[\[(][^\])\n]{0,24}?\d[^\])\n]{0,24}?\\?[\])]|\d{1,2}[:.]\d[\d:.,]*)\s*\**"
                      r"(?P<name>[A-Z][^:\n]{0,40}?)\s*(?:\**:\**|\s[-–—]\s)")


def plausible_name(name: str, known: set[str]) -> bool:
    """The speaker-label rules 1-4 of :mod:`carelib.data.transcripts` (``known``: lower-case roster names).

    Examples
    --------
    >>> plausible_name("Dr. Ortiz", set()), plausible_name("Note", set()), plausible_name("ana", {"ana"})
    (True, False, True)
    """
    n = name.strip()
    if n.lower() in known:
        return True
    words = n.split()
    if not words or len(words) > 6 or len(n) > 60 or not (n[0].isalpha() or n[0].isdigit()):
        return False
    if _SENTENCE.search(_NAME_PERIOD.sub("", n)) or n.lower() in NOT_SPEAKERS:
        return False
    return bool(_ROLE_WORD.match(n)) or all(_name_word(w) for w in words)


def _name_word(word: str) -> bool:
    first = word.lstrip("([{'‘\"“")[:1]
    return not first.islower() or word.lower() in _PARTICLES or bool(re.match(r"^[a-z]{1,2}['’]\w", word))


def stamp_of(match: re.Match[str] | None) -> str | None:
    """The timestamp a :data:`STAMP`-based match read, as written (or ``None``)."""
    if match is None:
        return None
    return match.group("stamp") or match.group("stamp2") or match.group("stamp3")


def stamp_seconds(stamp: str | None, where: str, line: int) -> float | None:
    """Seconds of a timestamp, refusing impossible ones with a :class:`DataError` naming file and line.

    Parameters
    ----------
    stamp : str or None
        The timestamp as written (``"12:34"``, ``"1:02:05.5"``); ``None`` or empty: no time.
    where : str
        The file, for the error message.
    line : int
        The line of the file, for the error message.

    Returns
    -------
    float or None
        Seconds from the start; ``None`` without a stamp.

    Examples
    --------
    >>> stamp_seconds("01:02:05.5", "a.txt", 3), stamp_seconds("12:34", "a.txt", 3), stamp_seconds(None, "a.txt", 3)
    (3725.5, 754.0, None)
    >>> stamp_seconds("00:75", "a.txt", 3)
    Traceback (most recent call last):
    ...
    carelib.errors.DataError: a.txt line 3: expected a timestamp [mm:ss] or [h:mm:ss] with minutes and seconds below 60, found '00:75'
    """
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    values = [float(p) for p in parts]
    if any(v >= 60 for v in values[1:]) or (len(values) == 2 and values[0] >= 60):
        raise DataError(f"{where} line {line}: expected a timestamp [mm:ss] or [h:mm:ss] with minutes and seconds "
                        f"below 60, found {stamp!r}")
    total = 0.0
    for v in values:
        total = total * 60 + v
    if total > MAX_SECONDS:
        raise DataError(f"{where} line {line}: expected a time within {MAX_SECONDS / 3600:g} hours of the start "
                        f"(no interview is longer), found {stamp!r}")
    return total


def suspect_line(line: str) -> str | None:
    """A warning text when ``line`` looks like a stamped speaker line that is not read as one, else ``None``.

    Examples
    --------
    >>> suspect_line("[1:02:03.4.5] Anna: hello")
    "looks like a speaker line, but '[1:02:03.4.5] Anna:' is not a recognised timestamp and label"
    >>> suspect_line("We met at 10:30, Anna said.") is None, suspect_line("[18:09] And then you know - it") is None
    (True, True)
    """
    m = _SUSPECT.match(line)
    if m is None or not plausible_name(m.group("name"), set()):  # "[18:09] And you know what - …" is text
        return None
    return f"looks like a speaker line, but {m.group(0).strip()!r} is not a recognised timestamp and label"
