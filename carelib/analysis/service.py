"""The service skills in conversations: tone, communication of plans, flexibility.

Agent messages are scored with editable phrase lists
(``carelib/resources/service_phrases.yml``, or your own file) and VADER sentiment:

- **plan**: the message states a commitment ("I'll", "you'll receive", "our courier
  will") *and* a time ("by Friday", "within 24 hours", "tomorrow");
- **rigid**: a refusal by rule ("that's our policy", "nothing I can do", "the system
  doesn't allow it"); **exception**: flexibility offered ("as a one-off", "I've waived");
- **tone**: politeness, empathy, blame and negation markers plus VADER's compound score;
  ``tone = 0.5 * compound + 0.25 * empathy + 0.25 * politeness - 0.5 * blame`` clipped to
  [-1, 1] (markers count 1 when present).

Conversation-level flags (a plan stated anywhere by an agent, a rigid refusal anywhere,
...) feed the scorecard: shares per team or agent with Wilson intervals, and a
minimum-n rule that labels small groups instead of ranking them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from carelib.errors import DataError, ParameterError
from carelib.metrics.intervals import wilson
from carelib.text.clean import clean_text
from carelib.text.sentiment import compound

__all__ = [
    "MARKERS",
    "load_phrases",
    "score_messages",
    "conversation_skills",
    "skills_scorecard",
    "customer_sentiment_shift",
]

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
MARKERS = ("plan_commitment", "plan_time", "rigid", "exception", "politeness", "empathy", "blame", "negation")


def load_phrases(path: str | Path | None = None) -> dict[str, list[re.Pattern[str]]]:
    """Compiled phrase lists: the packaged defaults, or a YAML file of the same shape."""
    if path is None:
        text = resources.files("carelib").joinpath("resources/service_phrases.yml").read_text(encoding="utf-8")
        where = "service_phrases.yml"
    else:
        where = Path(path).name
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"{where}: cannot be read: {exc}") from exc
    doc = yaml.safe_load(text) or {}
    missing = [m for m in MARKERS if m not in doc]
    if missing:
        raise DataError(f"{where}: missing phrase list(s) {missing}; expected keys {list(MARKERS)}")
    out = {}
    for marker in MARKERS:
        pats = []
        for i, p in enumerate(doc[marker], start=1):
            try:
                plain = re.sub(r"(?<!\\)\((?!\?)", "(?:", p)  # groups are never captured
                pats.append(re.compile(rf"\b(?:{plain})\b", re.IGNORECASE))
            except re.error as exc:
                raise DataError(f"{where}, list {marker!r} entry {i}: not a valid pattern ({exc}): {p!r}") from exc
        out[marker] = pats
    return out


@lru_cache(maxsize=1)
def _default_phrases() -> dict[str, list[re.Pattern[str]]]:
    return load_phrases()


def _marker(texts: pd.Series, patterns: list[re.Pattern[str]]) -> pd.Series:
    joined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)
    return texts.str.contains(joined, regex=True)


def score_messages(
    messages: pd.DataFrame, *, text: str = "text", phrases: dict | str | Path | None = None, sentiment: bool = True
) -> pd.DataFrame:
    """Markers, plan, sentiment and tone for every message (a new frame; input untouched).

    Parameters
    ----------
    messages : DataFrame
        Messages with a text column; other columns are kept.
    text : str
        Column holding the message text (missing text counts as empty).
    phrases : dict, str or Path, optional
        Compiled phrase lists from :func:`load_phrases`, or the path of a YAML file of the same
        shape; default the packaged lists.
    sentiment : bool
        Also compute VADER ``sentiment`` and ``tone`` (the slow part).

    Returns
    -------
    DataFrame
        A copy of ``messages`` plus one boolean column per marker of :data:`MARKERS`, ``plan``
        (commitment and time), and with ``sentiment=True`` ``sentiment`` (VADER compound,
        -1 to 1) and ``tone`` (see the module notes, rounded to 3 decimals).

    Examples
    --------
    >>> m = pd.DataFrame({"text": ["I'm so sorry - I'll refund you by Friday.", "That's our policy."]})
    >>> score_messages(m)[["plan", "rigid", "empathy"]].to_dict("records")
    [{'plan': True, 'rigid': False, 'empathy': True}, {'plan': False, 'rigid': True, 'empathy': False}]
    """
    if text not in messages.columns:
        raise ParameterError(f"messages has no column {text!r}; columns are {list(messages.columns)}")
    pats = _default_phrases() if phrases is None else (phrases if isinstance(phrases, dict) else load_phrases(phrases))
    # each distinct text is scored once (replies from templates repeat), then spread back to its messages
    codes, distinct = pd.factorize(messages[text], use_na_sentinel=False)
    # typographic apostrophes and quotes (we’re, “policy”) are common in real messages: match them as plain ones
    texts = pd.Series(distinct, dtype=object).map(clean_text).astype(str).str.translate(_QUOTES)  # HTML read as text
    out = messages.copy()
    for marker in MARKERS:
        out[marker] = _marker(texts, pats[marker]).to_numpy(dtype=bool)[codes]
    out["plan"] = out["plan_commitment"] & out["plan_time"]
    if sentiment:
        out["sentiment"] = np.asarray(compound(texts), dtype=float)[codes]
        tone = 0.5 * out["sentiment"] + 0.25 * out["empathy"] + 0.25 * out["politeness"] - 0.5 * out["blame"]
        out["tone"] = tone.clip(-1, 1).round(3)
    return out


def conversation_skills(
    tickets: pd.DataFrame, messages: pd.DataFrame, *, phrases: dict | str | Path | None = None
) -> pd.DataFrame:
    """One row per ticket: did an agent state a plan, refuse rigidly, offer an exception; mean agent tone.

    Tickets without any agent message are kept with NaN flags (not counted as "no plan").

    Parameters
    ----------
    tickets : DataFrame
        Tickets with ``ticket_id`` and any attributes (team, agent …), kept as they are.
    messages : DataFrame
        Messages with ``ticket_id, author_role, text``; only ``author_role == "agent"`` rows
        are scored.
    phrases : dict, str or Path, optional
        Phrase lists as in :func:`score_messages`.

    Returns
    -------
    DataFrame
        The columns of ``tickets`` plus ``agent_messages`` (int, 0 when none), the flags
        ``plan, rigid, exception, empathy, politeness, blame`` (True when any agent message has
        it) and ``tone`` (mean agent tone), one row per ticket.
    """
    agent = messages[messages["author_role"] == "agent"]
    return skills_per_ticket(tickets, score_messages(agent, phrases=phrases))


def skills_per_ticket(tickets: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """:func:`conversation_skills` from agent messages already scored (:func:`score_messages`, ``sentiment=True``):
    one row per ticket of ``tickets``, the messages of other tickets left out."""
    per = scored.groupby("ticket_id").agg(
        agent_messages=("plan", "size"), plan=("plan", "any"), rigid=("rigid", "any"), exception=("exception", "any"),
        empathy=("empathy", "any"), politeness=("politeness", "any"), blame=("blame", "any"), tone=("tone", "mean"),
    )
    out = tickets.merge(per.reset_index(), on="ticket_id", how="left")
    out["agent_messages"] = out["agent_messages"].fillna(0).astype(int)
    return out


def skills_scorecard(conversations: pd.DataFrame, by: str = "team", *, min_n: int = 30) -> pd.DataFrame:
    """Share of conversations with a plan, a rigid refusal, an exception and empathy, per group.

    Each share has a 95 % Wilson interval; groups with fewer than ``min_n`` conversations
    with an agent reply keep their row, with shares shown but ``note`` = "n too small" and
    no rank. Mean tone has a normal-approximation interval.

    Parameters
    ----------
    conversations : DataFrame
        One row per ticket from :func:`conversation_skills` (needs ``agent_messages, plan,
        rigid, exception, empathy, tone`` and the ``by`` column).
    by : str
        Column to group by, e.g. ``"team"`` or ``"agent_id"``.
    min_n : int
        Least conversations with an agent reply for a group not to be noted "n too small".

    Returns
    -------
    DataFrame
        ``<by>, n, plan, plan_low, plan_high, rigid, rigid_low, rigid_high, exception,
        exception_low, exception_high, empathy, empathy_low, empathy_high, tone, tone_low,
        tone_high, note``, one row per group in sorted order; shares and bounds rounded to 3
        decimals.
    """
    if by not in conversations.columns:
        raise ParameterError(f"conversations has no column {by!r}; columns are {list(conversations.columns)}")
    c = conversations[conversations["agent_messages"] > 0]
    rows = []
    for key, g in c.groupby(by, sort=True):
        n = len(g)
        row = {by: key, "n": n}
        for skill in ("plan", "rigid", "exception", "empathy"):
            k = g[skill].astype(bool).sum()
            lo, hi = wilson(np.array([k], float), np.array([n], float))
            row |= {skill: round(k / n, 3), f"{skill}_low": round(float(lo[0]), 3), f"{skill}_high": round(float(hi[0]), 3)}
        m, s = g["tone"].mean(), g["tone"].std(ddof=1)
        half = 1.96 * s / np.sqrt(n) if n > 1 else np.nan
        row |= {"tone": round(m, 3), "tone_low": round(m - half, 3), "tone_high": round(m + half, 3)}
        row["note"] = f"n too small ({n} < {min_n})" if n < min_n else ""
        rows.append(row)
    return pd.DataFrame(rows)


def customer_sentiment_shift(messages: pd.DataFrame) -> pd.DataFrame:
    """The customer's sentiment in their first and last message of each ticket (VADER compound).

    Tickets with a single customer message have ``last`` equal to ``first``.
    """
    cust = messages[messages["author_role"] == "customer"].sort_values(["ticket_id", "sent_at"], kind="stable")
    cust = cust.assign(sentiment=compound(cust["text"].fillna("")))
    g = cust.groupby("ticket_id")["sentiment"]
    out = pd.DataFrame({"first": g.first(), "last": g.last(), "customer_messages": g.size()}).reset_index()
    out["shift"] = (out["last"] - out["first"]).round(3)
    return out
