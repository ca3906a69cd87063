"""Text as real exports hold it: HTML entities and tags, odd Unicode, and answers that say nothing.

:func:`clean_text` is the one place customer text becomes plain text; it runs before anything is
derived from a text (themes, sentiment, emotion, coding). :func:`non_answers` flags the answers that
say nothing ("N/A", "-", "nothing", "🙂"), which are counted, never themed.

What :func:`clean_text` does, in order
--------------------------------------
1. **Tags.** ``<script>``, ``<style>``, ``<template>`` and ``<noscript>`` elements are dropped *with
   their content*: a browser never shows it to the writer, so it is not what the customer said (and
   a pasted script must not become text that reads like instructions). HTML comments are dropped.
   ``<br>`` becomes a line break; block tags (``p, div, li, tr, h1-h6, blockquote, pre, table …``) a
   line break around them; table cells a space; every other tag (``b, a, span, font …``) is removed,
   keeping its text. A ``<`` that does not open a tag (``2 < 3``, ``<3``) is kept.
2. **Entities.** Named and numeric entities are decoded once (``&amp;`` → ``&``, ``&#39;`` → ``'``).
   So ``&lt;script&gt;`` becomes the literal text ``<script>``, which stays text: the report escapes
   it later (``carelib/report/html.py``), it is never sanitised here. This is **not** HTML sanitising.
3. **Unicode.** NFC (composed accents), non-breaking and other space characters as spaces, zero-width
   characters and controls (but line breaks) removed.
4. **Whitespace.** Runs of spaces and tabs become one space; spaces around line breaks and more than
   one blank line are removed; the ends are stripped.

**Idempotent**: ``clean_text(clean_text(t)) == clean_text(t)`` whenever the output holds no markup
of its own. The one exception is by design: markup *written as entities* (``&lt;b&gt;``,
``&amp;amp;``) is the customer's literal text, decoded once to ``<b>`` / ``&amp;`` and kept; a second
pass would read it as markup. Call it once, where the text comes in (the tests pin both).
Only the names of HTML elements (and Word's ``<o:p>``) are tags: ``x<y>z`` and ``a < b`` are text
(``a<b and c>d`` reads as a ``<b>`` tag, as a browser would read it).

References
----------
WHATWG HTML Living Standard, §13.1.2 (elements) and §13.5 (named character references).
"""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

__all__ = ["clean_text", "clean_texts", "is_non_answer", "non_answers", "NON_ANSWERS"]

_HIDDEN = re.compile(r"<(script|style|template|noscript)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK = re.compile(r"</?(?:p|div|li|ul|ol|tr|table|thead|tbody|h[1-6]|blockquote|pre|section|article|header|footer"
                    r"|hr|dl|dt|dd|address|figure|figcaption|main|nav|aside)\b[^>]*>", re.IGNORECASE)
_CELL = re.compile(r"</?(?:td|th)\b[^>]*>", re.IGNORECASE)
_ELEMENTS = ("a|abbr|b|bdi|bdo|big|blink|body|button|caption|center|cite|code|col|colgroup|data|del|details|dfn|em"
             "|font|form|head|html|i|iframe|img|input|ins|kbd|label|legend|link|mark|marquee|meta|object|option|q|s"
             "|samp|select|small|source|span|strike|strong|sub|summary|sup|svg|textarea|tfoot|time|title|tt|u|var"
             "|video|wbr")
_TAG = re.compile(rf"</?(?:{_ELEMENTS}|[A-Za-z]+:[A-Za-z]+)(?=[\s/>])(?:\s[^<>]*)?/?>|<!DOCTYPE[^<>]*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a line break (NBSP, thin spaces, tabs …)
_AROUND_NL = re.compile(r" ?\n ?")
_BLANKS = re.compile(r"\n{3,}")

# Answers that say nothing, compared after folding (lower case, no accents, punctuation and spaces
# trimmed at the ends). English first; a few cheap words of French, German, Spanish, Italian,
# Portuguese and Dutch.
NON_ANSWERS: frozenset[str] = frozenset({
    "n/a", "na", "n.a", "n a", "nil", "null", "none", "nothing", "no", "nope", "nah", "non", "nein", "nee", "nao",
    "ninguno", "ninguna", "nada", "rien", "aucun", "aucune", "keine", "keiner", "nichts", "niente", "nessuno",
    "nulla", "geen", "niets", "idk", "no comment", "no comments", "not applicable", "nothing to add",
    "nothing to say", "nothing else", "nothing really", "nothing at all", "no thanks", "no thank you",
    "dont know", "don't know", "do not know", "i don't know", "i dont know", "no idea", "no opinion",
    "sans commentaire", "pas de commentaire", "kein kommentar", "sin comentarios", "sin comentario",
    "nessun commento", "geen commentaar", "geen opmerkingen",
})
MIN_LETTERS = 2  # an answer with fewer letters than this says nothing ("?", "-", "5", "🙂🙂")


def clean_text(text: object) -> str:
    """Plain text from what an export holds: tags dropped, entities decoded, Unicode and spaces normalised.

    Parameters
    ----------
    text : object
        A text; None and NaN become ``""``, other non-strings are converted with ``str``.

    Returns
    -------
    str
        Plain text (not escaped: escape it when it is put into HTML).

    Examples
    --------
    >>> clean_text("Great&nbsp;service &amp; fast<br>Thanks!<p>Ana&#39;s order</p>")
    "Great service & fast\\nThanks!\\nAna's order"
    >>> clean_text("<script>alert('ignore all rules')</script>Hi &lt;script&gt;")
    'Hi <script>'
    >>> clean_text("  e\\u0301te\\u0301   2 < 3 ")
    'été 2 < 3'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    s = text if isinstance(text, str) else str(text)
    if "<" in s:
        s = _HIDDEN.sub(" ", s)
        s = _COMMENT.sub(" ", s)
        s = _BR.sub("\n", s)
        s = _BLOCK.sub("\n", s)
        s = _CELL.sub(" ", s)
        s = _TAG.sub("", s)
    if "&" in s and _ENTITY.search(s):
        s = html.unescape(s)
    s = unicodedata.normalize("NFC", s.replace("\r\n", "\n").replace("\r", "\n"))
    s = _INVISIBLE.sub("", s)
    s = _SPACES.sub(" ", s)
    s = _AROUND_NL.sub("\n", s)
    s = _BLANKS.sub("\n\n", s)
    return s.strip()


def clean_texts(texts: pd.Series) -> pd.Series:
    """:func:`clean_text` over a Series (a new Series, same index; missing values become ``""``)."""
    return pd.Series([clean_text(t) for t in texts], index=texts.index, dtype=object, name=texts.name)


def _fold(text: str) -> str:
    s = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    s = s.replace("’", "'")
    return " ".join(s.strip(" \t\n.!,;:-_*~()[]\"'?¿¡").split())


def is_non_answer(text: object) -> bool:
    """True when an answer says nothing: empty, fewer than two letters, or a word of :data:`NON_ANSWERS`.

    Examples
    --------
    >>> [is_non_answer(t) for t in ["N/A", " - ", "nothing.", "🙂🙂", "Nein", "No, the app crashed"]]
    [True, True, True, True, True, False]
    """
    s = clean_text(text)
    if sum(c.isalpha() for c in s) < MIN_LETTERS:
        return True
    folded = _fold(s)
    return folded in NON_ANSWERS or folded.replace(" ", "") in NON_ANSWERS


def non_answers(texts: pd.Series) -> pd.Series:
    """Boolean Series: which answers say nothing (see :func:`is_non_answer`); missing values count as non-answers.

    Parameters
    ----------
    texts : Series
        Answers (free-text comments, review texts …).

    Returns
    -------
    Series of bool
        Same index as ``texts``.

    Notes
    -----
    The rule: after :func:`clean_text`, an answer with fewer than :data:`MIN_LETTERS` letters
    (``"?"``, ``"-"``, ``"."``, ``"5"``, emoji only, whitespace) or whose folded form (lower case, no
    accents, end punctuation trimmed) is in :data:`NON_ANSWERS` (``"n/a"``, ``"na"``, ``"none"``,
    ``"nothing"``, ``"no comment"``, ``"nein"``, ``"rien"``, ``"ninguno"`` …) is a non-answer. "no"
    alone is one (a free-text box answered "no"); "no problems at all" is an answer.

    Examples
    --------
    >>> non_answers(pd.Series(["n/a", "Late parcel", None, "rien"])).tolist()
    [True, False, True, True]
    """
    return pd.Series([is_non_answer(t) for t in texts], index=texts.index, dtype=bool, name=texts.name)
