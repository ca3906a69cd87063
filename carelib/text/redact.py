"""Redaction of personal data in customer text, offline and explainable.

Customer text is personal. Before anything is rendered for leadership, :class:`Redactor`
replaces e-mail addresses, phone numbers, payment card numbers (Luhn-checked), IBANs, URLs
and social handles by a bracketed kind (``[email]``, ``[phone]`` …), and the names of a
roster (customers, participants, staff) by **stable pseudonyms**: the same person gets the
same pseudonym in every quote and every run (``Customer A``, ``Customer B`` … by roster
order, or the roster's own pseudonym column). :func:`find_pii` lists what was found, with
character spans, so a reviewer can see why a word was removed.

Patterns are deliberately conservative on numbers (a phone needs 8+ digits, a card 13–19
digits passing the Luhn check) so order numbers and prices survive; names are matched only
from the roster, as whole words, case-insensitive, full name before first or last name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = ["Redactor", "find_pii", "PATTERNS"]

PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"),
    "url": re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "card": re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])"),
    "phone": re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ().-]{6,}\d(?!\w)"),
    "handle": re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,30}\b"),
}
ORDER = ("email", "url", "iban", "card", "phone", "handle")
# a capitalised word right after a greeting is a first name even when no roster knows it
SALUTATION = re.compile(r"\b(?:Dear|Hi|Hello|Hey|Morning|Evening|Thanks|Thank you|Cheers),?[ \t]+([A-Z][a-z]{1,20})\b(?![ \t]+(?:for|so|very|again|team|all|everyone)\b)")
NOT_NAMES = frozenset({"There", "Team", "All", "Everyone", "Again", "So", "Very", "For", "Sir", "Madam", "Guys", "Folks",
                       "Support", "Customer", "The", "Thanks", "Thank", "You"})


def _luhn(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


def _accept(kind: str, text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if kind == "card":
        return 13 <= len(digits) <= 19 and _luhn(digits)
    if kind == "phone":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) or re.search(r"\d{1,2}:\d{2}", text):
            return False  # a date or a time, not a phone
        return 8 <= len(digits) <= 15
    return True


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


def _spans(text: str, names: list[tuple[re.Pattern[str], str]], greetings: bool = True) -> list[Span]:
    found: list[Span] = []
    taken = [False] * len(text)

    def add(kind: str, m: re.Match[str]) -> None:
        if any(taken[m.start():m.end()]):
            return
        found.append(Span(kind, m.start(), m.end(), m.group(0)))
        for i in range(m.start(), m.end()):
            taken[i] = True

    for kind in ORDER:
        for m in PATTERNS[kind].finditer(text):
            if _accept(kind, m.group(0)):
                add(kind, m)
    for pattern, pseudonym in names:
        for m in pattern.finditer(text):
            add("name:" + pseudonym, m)
    if greetings:
        for m in SALUTATION.finditer(text):
            if m.group(1) not in NOT_NAMES and not any(taken[m.start(1):m.end(1)]):
                found.append(Span("name:[name]", m.start(1), m.end(1), m.group(1)))
                for i in range(m.start(1), m.end(1)):
                    taken[i] = True
    return sorted(found, key=lambda s: s.start)


def find_pii(text: str, roster: Iterable[str] | Mapping[str, str] | None = None) -> pd.DataFrame:
    """Personal data found in ``text``: ``kind, start, end, text`` (names as ``name``).

    Examples
    --------
    >>> find_pii("Mail me at ana.k@example.org or call +44 7700 900123")[["kind", "text"]].values.tolist()
    [['email', 'ana.k@example.org'], ['phone', '+44 7700 900123']]
    """
    r = Redactor(roster)
    rows = [{"kind": s.kind.split(":")[0], "start": s.start, "end": s.end, "text": s.text}
            for s in _spans(text or "", r._names, r.greetings)]
    return pd.DataFrame(rows, columns=["kind", "start", "end", "text"])


class Redactor:
    """Replace personal data by kinds and roster names by stable pseudonyms.

    Parameters
    ----------
    roster : iterable of names, or mapping name → pseudonym, optional
        People whose names must not appear. A list gets pseudonyms ``Customer A``,
        ``Customer B`` … in the order given (``label`` sets the word); a mapping keeps its own.
    label : str
        Word of the generated pseudonyms.
    greetings : bool
        Also replace a capitalised word right after a greeting ("Dear Hana", "Hi Tom") by
        ``[name]``, for the names no roster knows.

    Examples
    --------
    >>> r = Redactor(["Maya Lindqvist", "Tom Berg"], label="Participant")
    >>> r.redact("Maya said Tom Berg (tom@berg.io, 0612345678) fixed it; see https://x.io/a")
    'Participant A said Participant B ([email], [phone]) fixed it; see [url]'
    >>> r.redact("maya again")
    'Participant A again'
    >>> Redactor().redact("Dear Hana, thanks. Hi there!")
    'Dear [name], thanks. Hi there!'
    """

    def __init__(self, roster: Iterable[str] | Mapping[str, str] | None = None, label: str = "Customer",
                 greetings: bool = True) -> None:
        self.roster = roster
        self.label = label
        self.greetings = greetings
        if roster is None:
            pairs: list[tuple[str, str]] = []
        elif isinstance(roster, Mapping):
            pairs = [(str(k), str(v)) for k, v in roster.items() if str(k).strip()]
        else:
            names = [str(n) for n in dict.fromkeys(roster) if isinstance(n, str) and n.strip()]
            pairs = [(n, f"{label} {_letters(i)}") for i, n in enumerate(names)]
        self.pseudonyms_ = dict(pairs)
        variants: dict[str, str] = {}
        for full, alias in pairs:
            variants.setdefault(full.strip().lower(), alias)
        for full, alias in pairs:  # first and last names alone, unless ambiguous
            for part in full.split():
                if len(part) > 2:
                    key = part.lower()
                    if key in variants and variants[key] != alias:
                        variants[key] = "[name]"
                    else:
                        variants.setdefault(key, alias)
        ordered = sorted(variants.items(), key=lambda kv: -len(kv[0]))
        self._names = [(re.compile(r"(?<!\w)" + re.escape(v).replace(r"\ ", r"\s+") + r"(?!\w)", re.IGNORECASE), a)
                       for v, a in ordered]

    def redact(self, text: object) -> str:
        """The text with every span replaced; None and NaN become an empty string."""
        if text is None or (isinstance(text, float) and text != text):
            return ""
        s = str(text)
        out, pos = [], 0
        for span in _spans(s, self._names, self.greetings):
            out.append(s[pos:span.start])
            out.append(span.kind[5:] if span.kind.startswith("name:") else f"[{span.kind}]")
            pos = span.end
        out.append(s[pos:])
        return "".join(out)

    __call__ = redact

    def redact_frame(self, frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
        """A copy of ``frame`` with the text ``columns`` redacted."""
        out = frame.copy()
        for c in columns:
            out[c] = out[c].map(self.redact)
        return out


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
