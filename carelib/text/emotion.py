"""Emotion markers per text: anger, frustration, worry, disappointment, confusion, gratitude, joy.

A transparent lexicon (``carelib/resources/emotions.yml``, carekit's own list) matched on word
boundaries, with a simple negation rule: a marker within three words after "not", "no",
"never" or a "n't" does not count ("not happy" is not joy). Each text gets a flag per emotion
and its **main emotion** — the one with the most markers, ties broken in the lexicon's order —
or ``none``. Like VADER's sentiment this is a reading aid printed next to the verbatims, not a
verdict: irony, sarcasm and domain words ("great, another late parcel") fool it, which is why
reports show the text beside the label. Typographic apostrophes are normalised first.

The lexicon's categories follow the emotions customer-care research keeps meeting in
complaints (anger, frustration, anxiety, disappointment, confusion) and in praise (gratitude, joy); see e.g.
Bagozzi, Gopinath & Nyer (1999), The role of emotions in marketing, JAMS 27(2).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import pandas as pd
import yaml

__all__ = ["EMOTIONS", "emotions", "lexicon"]

_NEGATION = re.compile(r"\b(?:not|no|never|without|hardly)\b|n't\b")


@cache
def lexicon() -> dict[str, re.Pattern]:
    """One compiled pattern per emotion, in the lexicon's order."""
    raw = yaml.safe_load(files("carelib").joinpath("resources/emotions.yml").read_text(encoding="utf-8"))
    out = {}
    for emotion, phrases in raw.items():
        parts = []
        for p in sorted(phrases, key=len, reverse=True):
            p = p.lower().replace("’", "'")
            stem = p.endswith("*")
            body = re.escape(p.rstrip("*")).replace(r"\ ", r"\s+")
            parts.append(body + (r"\w*" if stem else r"\b"))
        out[emotion] = re.compile(r"\b(?:" + "|".join(parts) + ")")
    return out


EMOTIONS = ("anger", "frustration", "worry", "disappointment", "confusion", "gratitude", "joy")


def _count(pattern: re.Pattern, text: str) -> int:
    n = 0
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 40):m.start()].split()[-3:]
        if not any(_NEGATION.search(w) for w in before):
            n += 1
    return n


def emotions(texts: pd.Series | list[str]) -> pd.DataFrame:
    """A boolean column per emotion and ``emotion`` (the main one, or ``none``; empty for no text).

    Examples
    --------
    >>> e = emotions(["Thank you so much, lovely service!", "I am not happy, this is unacceptable.",
    ...               "Where is my refund? I'm worried.", "Parcel arrived.", None])
    >>> e["emotion"].tolist()
    ['gratitude', 'anger', 'worry', 'none', '']
    >>> bool(e.loc[1, "joy"])  # "not happy" is negated
    False
    """
    from carelib.text.clean import clean_text

    s = pd.Series(texts)
    pats = lexicon()
    rows = []
    for t in s:
        t = clean_text(t) if isinstance(t, str) else t  # HTML and entities read as the text they show
        if not isinstance(t, str) or not t.strip():
            rows.append({**{e: False for e in pats}, "emotion": ""})
            continue
        low = t.lower().replace("’", "'")
        counts = {e: _count(p, low) for e, p in pats.items()}
        top = max(counts.values())
        main = next(e for e, c in counts.items() if c == top) if top else "none"
        rows.append({**{e: c > 0 for e, c in counts.items()}, "emotion": main})
    return pd.DataFrame(rows, index=s.index)
