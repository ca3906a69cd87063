"""Readers for public customer-care data sets into the workspace contracts.

- IBM Twitter customer care (Ganhotra et al., EMNLP 2020; Apache-2.0): conversations
  between a customer and a brand's support account. The last agent tweet has no time of
  its own; it is derived from the tweet id (Twitter snowflake:
  ``ms = (id >> 22) + 1288834974657``).
- Customer Support on Twitter (twcs, CC BY-NC-SA 4.0): tweets with reply links; a
  conversation is every tweet reachable from a customer's first tweet.

Both return ``(tickets, messages)`` frames in the ``tickets``/``messages`` contracts, one
ticket per conversation, ``team`` = the brand. Customer handles are personal data: they
are replaced by stable pseudonyms (``user-1a2b3c``) in ids and in the text.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from carelib.checks import read_bool
from carelib.errors import DataError

__all__ = ["read_ibm_twitter", "read_twcs", "snowflake_time", "mask_handle", "read_r_survey", "read_clothing_reviews",
           "R_SURVEY_RECOMMEND", "R_SURVEY_EXPERIENCE"]

R_SURVEY_RECOMMEND = "How likely are you to recommend R to a colleague, friend, or family member?"
R_SURVEY_EXPERIENCE = "How would you rate your level of experience using R?"
R_SURVEY_LEAST = "What do you like least about using R?"

_EPOCH_MS = 1288834974657
_HANDLE = re.compile(r"@(\w{1,30})")


def snowflake_time(tweet_id: int | str) -> pd.Timestamp:
    """UTC time encoded in a Twitter snowflake id (naive timestamp).

    Examples
    --------
    >>> str(snowflake_time(1245403438755852288))
    '2020-04-01 17:31:32.933000'
    """
    return pd.Timestamp((int(tweet_id) >> 22) + _EPOCH_MS, unit="ms")


def mask_handle(handle: str, keep: frozenset[str] = frozenset()) -> str:
    """A stable pseudonym for a handle (brands listed in ``keep`` stay as they are)."""
    if handle in keep:
        return handle
    return "user-" + hashlib.sha256(handle.lower().encode()).hexdigest()[:6]


def _mask_text(text: str, keep: frozenset[str]) -> str:
    return _HANDLE.sub(lambda m: "@" + mask_handle(m.group(1), keep), text)


def _utc_naive(s: str) -> pd.Timestamp:
    return pd.Timestamp(s).tz_convert("UTC").tz_localize(None)


def read_ibm_twitter(*files: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``dev.json``/``test.json`` of the IBM set (a folder reads both)."""
    paths: list[Path] = []
    for f in files:
        p = Path(f)
        paths += sorted(p.glob("*.json")) if p.is_dir() else [p]
    paths = [p for p in paths if p.name not in ("company_num_conversations.json",)]
    if not paths:
        raise DataError(f"no IBM Twitter conversation files in {[str(f) for f in files]}")
    tickets, messages = [], []
    for path in paths:
        try:
            conversations = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"{path.name}: cannot be read as JSON: {exc}") from exc
        brands = frozenset(c["dialogHeader"]["company"] for c in conversations)
        for n, conv in enumerate(conversations, start=1):
            try:
                head, turns, final = conv["dialogHeader"], conv["dialogContent"], conv["agentURL"]
            except KeyError as exc:
                raise DataError(f"{path.name} conversation {n}: missing key {exc}") from None
            tid = head["sessionID"]
            customer = next((t["client"] for t in turns if "client" in t), None)
            rows = []
            for t in turns:
                # "client", "client1", ...: other customers joining the thread are customers too
                ckey = next((k for k in t if k.startswith("client")), None)
                role = "customer" if ckey else "agent"
                author = t[ckey] if ckey else t.get("agent") or head["company"]
                rows.append((_utc_naive(t["datetime"]), role, author, t["message"], t["tweet_ID"]))
            rows.append((snowflake_time(final["tweet_ID"]), "agent", head["company"], final["url_utterance"], final["tweet_ID"]))
            for sent_at, role, author, text, tweet in rows:
                messages.append({
                    "ticket_id": tid, "message_id": str(tweet), "sent_at": sent_at, "author_role": role,
                    "author_id": mask_handle(author, brands), "text": _mask_text(text, brands),
                })
            tickets.append({
                "ticket_id": tid, "customer_id": mask_handle(customer, brands) if customer else None,
                "channel": "social", "created_at": _utc_naive(head["conversationDateTime"]),
                "closed_at": rows[-1][0], "team": head["company"], "agent_id": head["company"],
                "status": "closed", "category": None, "source": path.name,
            })
    return _frames(tickets, messages)


def _frames(tickets: list[dict], messages: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    t = pd.DataFrame(tickets).sort_values(["created_at", "ticket_id"], ignore_index=True)
    m = pd.DataFrame(messages).sort_values(["ticket_id", "sent_at", "message_id"], ignore_index=True)
    # A message belongs to one ticket; the same tweet quoted in two conversations is kept in
    # both (it is part of each), with the message id made unique by the ticket id.
    m = m.drop_duplicates(["ticket_id", "message_id"], ignore_index=True)
    shared = m["message_id"].duplicated(keep=False)
    m.loc[shared, "message_id"] = m.loc[shared, "ticket_id"].astype(str) + ":" + m.loc[shared, "message_id"]
    return t, m


def read_twcs(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a twcs CSV: conversations are the reply trees rooted at a customer's first tweet.

    Tweets whose root is not in the file (a cut sample) are dropped with the conversation;
    conversations without any company tweet are kept as open tickets (censored).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype={"tweet_id": "int64", "author_id": str, "text": str})
    except (OSError, ValueError) as exc:
        raise DataError(f"{path.name}: cannot be read as the twcs CSV: {exc}") from exc
    need = {"tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id"}
    if need - set(raw.columns):
        raise DataError(f"{path.name}: missing column(s) {sorted(need - set(raw.columns))}")
    raw["created_at"] = pd.to_datetime(raw["created_at"], format="%a %b %d %H:%M:%S %z %Y").dt.tz_convert("UTC").dt.tz_localize(None)
    parent = dict(zip(raw["tweet_id"], raw["in_response_to_tweet_id"], strict=True))
    root_of: dict[int, int | None] = {}
    for tid in raw["tweet_id"]:
        chain, cur = [], tid
        while cur in parent and pd.notna(parent[cur]) and cur not in root_of:
            chain.append(cur)
            cur = int(parent[cur])
        root = root_of.get(cur, cur if cur in parent else None)
        for c in [*chain, cur]:
            if c in parent:
                root_of[c] = root
    raw["root"] = raw["tweet_id"].map(root_of)
    inbound = read_bool(raw["inbound"].astype(str)).fillna(False).astype(bool)
    roots = set(raw.loc[raw["tweet_id"].isin(raw["root"].dropna()) & inbound, "tweet_id"])
    conv = raw[raw["root"].isin(roots)].copy()
    brands = frozenset(raw.loc[~inbound, "author_id"].unique())
    conv["author_role"] = inbound[conv.index].map({True: "customer", False: "agent"})
    messages = pd.DataFrame({
        "ticket_id": conv["root"].astype("int64").astype(str), "message_id": conv["tweet_id"].astype(str),
        "sent_at": conv["created_at"], "author_role": conv["author_role"],
        "author_id": conv["author_id"].map(lambda a: mask_handle(a, brands)), "text": conv["text"].map(lambda t: _mask_text(str(t), brands)),
    })
    tickets = []
    for tid, g in messages.groupby("ticket_id", sort=True):
        agents = g[g["author_role"] == "agent"]
        first = g.sort_values("sent_at").iloc[0]
        tickets.append({
            "ticket_id": tid, "customer_id": first["author_id"], "channel": "social", "created_at": g["sent_at"].min(),
            "closed_at": g["sent_at"].max() if not agents.empty else None,
            "team": agents["author_id"].iloc[0] if not agents.empty else None,
            "agent_id": agents["author_id"].iloc[0] if not agents.empty else None,
            "status": "closed" if not agents.empty else "open", "category": None, "source": path.name,
        })
    t, m = _frames(tickets, messages.to_dict("records"))
    return t, m


def read_r_survey(path: str | Path) -> pd.DataFrame:
    """The 2019 R Community Survey (RStudio, Apache-2.0) as a ``responses`` table (survey ``nps``).

    One row per respondent: ``submitted_at`` from ``Timestamp`` (M/D/YYYY H:MM:SS), ``score``
    from the recommend question (empty when skipped), ``comment`` from "like least",
    ``experience`` (Beginner/Intermediate/Expert) kept as a segment column.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path.name}: cannot be read as CSV: {exc}") from exc
    need = ["Timestamp", R_SURVEY_RECOMMEND]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{path.name}: expected column(s) {missing}; this is not the 2019 R Community Survey export")
    when = pd.to_datetime(raw["Timestamp"], format="%m/%d/%Y %H:%M:%S", errors="coerce")
    return pd.DataFrame({
        "response_id": [f"R19-{i:05d}" for i in range(1, len(raw) + 1)],
        "customer_id": None,
        "submitted_at": when.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "survey": "nps",
        "score": raw[R_SURVEY_RECOMMEND].str.replace(r"\.0$", "", regex=True).replace("", None),
        "comment": raw.get(R_SURVEY_LEAST, pd.Series("", index=raw.index)).replace("", None),
        "experience": raw.get(R_SURVEY_EXPERIENCE, pd.Series("", index=raw.index)).replace("", None),
    })


def read_clothing_reviews(path: str | Path) -> pd.DataFrame:
    """Women's E-Commerce Clothing Reviews (CC0) as a ``reviews`` table.

    The set has no dates: ``created_at`` is left empty (trends are skipped, never invented).
    ``product_id`` is the Clothing ID, ``department`` and ``recommended`` (the reviewer's
    yes/no) are kept as extra columns.
    """
    path = Path(path)
    raw = pd.read_csv(path)
    need = ["Clothing ID", "Rating", "Review Text", "Recommended IND"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{path.name}: expected column(s) {missing}; this is not the clothing reviews file")
    title = raw.get("Title", pd.Series("", index=raw.index)).fillna("")
    text = (title + ". " + raw["Review Text"].fillna("")).str.strip(". ").replace("", None)
    return pd.DataFrame({
        "review_id": [f"WC{i:05d}" for i in range(1, len(raw) + 1)],
        "created_at": None,
        "rating": raw["Rating"],
        "text": text,
        "source": "e-commerce site",
        "product_id": "C" + raw["Clothing ID"].astype(str),
        "department": raw.get("Department Name"),
        "recommended": raw["Recommended IND"].astype(bool),
    })
