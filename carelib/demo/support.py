"""Support tickets, messages and post-ticket surveys of the demo workspace (see carelib.demo.workspace)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from carelib.demo import text as T
from carelib.demo.truths import (
    BAD_NORTH,
    EMPATHY_P,
    EXCEPTION_RETURNS_P,
    MONDAY_WAVE,
    PLAN_P,
    RIGID_OTHER_P,
    RIGID_RETURNS_P,
)

CATEGORIES = ("delivery", "returns", "billing", "login", "product", "other")
BASE_MIX = np.array([0.26, 0.18, 0.07, 0.09, 0.17, 0.23])
AGENTS = {t: [f"agent-{t.lower()}{i}" for i in range(1, 9)] for t in "ABC"}
AGENT_NAMES = {a: T.FIRST[(7 * k + 3) % len(T.FIRST)] for k, a in enumerate(sum(AGENTS.values(), []))}

def hour_of_week_weights() -> np.ndarray:
    """Ticket arrival weights for the 168 hours of a week (Monday 00:00 first)."""
    hour = np.array([.15, .1, .08, .08, .1, .2, .4, .8, 1.3, 1.5, 1.5, 1.4, 1.3, 1.3, 1.2, 1.2, 1.1, 1.1, 1.2, 1.2, 1.0, .8, .5, .3])
    day = np.array([1.2, 1.0, 1.0, 0.95, 0.9, 0.6, 0.55])
    w = np.outer(day, hour)
    w[0, MONDAY_WAVE[0]:MONDAY_WAVE[1]] *= 3.2
    return (w / w.sum()).ravel()


def tickets_and_messages(rng, cust, orders, start, end, n, specials):
    """``specials``: list of (customer_id, created_at, category) tickets that must exist (planted truths).

    Tickets and their conversations: arrivals by hour of week, categories, teams, agents, messages.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness.
    cust : DataFrame
        Customers (``customer_id, region, name``).
    orders : DataFrame
        Orders (``customer_id, ordered_at``); ticket authors are drawn from the buyers.
    start, end : Timestamp
        Window of the tickets; tickets created outside it, and messages after ``end``, are
        dropped.
    n : int
        Number of tickets to draw, ``specials`` included.
    specials : list of tuple
        ``(customer_id, created_at, category)`` tickets that must exist (planted truths).

    Returns
    -------
    tickets, messages : tuple of DataFrame
        ``tickets``: ``ticket_id, customer_id, created_at, category, channel, team, agent_id,
        closed_at, status`` and the planted flags ``_empathy, _plan, _rigid, _exception``
        (drop them before writing); ``messages``: ``ticket_id, message_id, sent_at,
        author_role, author_id, text``, sorted by ticket and time.
    """
    how = hour_of_week_weights()
    n_base = n - len(specials)
    weeks = rng.integers(0, (end - start).days // 7, n_base)
    hw = rng.choice(168, size=n_base, p=how)
    created = start + pd.to_timedelta(weeks * 7 * 1440 + hw * 60 + rng.integers(0, 60, n_base), unit="min")
    buyers = orders.drop_duplicates("customer_id")[["customer_id", "ordered_at"]]
    base_c = rng.choice(buyers["customer_id"].to_numpy(), n_base)
    info = cust.set_index("customer_id")
    region = info.loc[base_c, "region"].to_numpy()
    wk = ((created - start).days // 7).to_numpy()
    cats = []
    for r, w in zip(region, wk, strict=True):
        mix = BASE_MIX.copy()
        if r == "North" and BAD_NORTH[0] <= w <= BAD_NORTH[1]:
            mix[0] *= 3.5
        cats.append(CATEGORIES[int(rng.choice(6, p=mix / mix.sum()))])
    t = pd.DataFrame({"customer_id": base_c, "created_at": created, "category": cats})
    if specials:
        t = pd.concat([t, pd.DataFrame(specials, columns=["customer_id", "created_at", "category"])], ignore_index=True)
    t = t[(t["created_at"] >= start) & (t["created_at"] < end)]
    t = t.sort_values(["created_at", "customer_id"], ignore_index=True)
    m = len(t)
    t.insert(0, "ticket_id", [f"T{i + 1:05d}" for i in range(m)])
    t["channel"] = rng.choice(["email", "chat", "social"], m, p=[0.4, 0.45, 0.15])
    t["team"] = rng.choice(TEAMS, m)
    t["agent_id"] = [AGENTS[x][int(rng.integers(8))] for x in t["team"]]
    return _conversations(rng, t, info, end)


TEAMS = ("A", "B", "C")


def _delay(rng, created: pd.Timestamp) -> float:
    """Minutes to an agent's reply: log-normal, median 35 min; three times longer in the Monday wave."""
    base = float(rng.lognormal(np.log(35), 0.9))
    if created.weekday() == 0 and MONDAY_WAVE[0] <= created.hour < MONDAY_WAVE[1]:
        base *= 3.0
    return base


def _agent_text(rng, ticket, first: bool, flags: dict, order: str, product: str, first_name: str) -> str:
    cat = ticket["category"]
    parts = []
    if first:
        parts.append(T.say(rng, T.AGENT_GREET, typo=0, first=first_name))
        if flags["empathy"]:
            parts.append(T.say(rng, T.EMPATHY, typo=0.02))
        parts.append(T.say(rng, T.CONTENT[cat], typo=0.03, order=order, product=product))
    if flags["rigid"] and first:
        parts.append(T.say(rng, T.RIGID, typo=0.02))
    if flags["exception"] and (not first or not flags["rigid"]):
        parts.append(T.say(rng, T.EXCEPTION, typo=0.02))
        flags["exception"] = False
    if flags["plan"] and (first or rng.random() < 0.5):
        parts.append(T.say(rng, T.PLAN, typo=0.02))
    elif rng.random() < 0.5:
        parts.append(T.say(rng, T.VAGUE, typo=0.02))
    parts.append(T.say(rng, T.CLOSE, typo=0, agent=AGENT_NAMES[ticket["agent_id"]]))
    return " ".join(parts)


def _conversations(rng, t: pd.DataFrame, info: pd.DataFrame, end: pd.Timestamp):
    msgs, closed, status, flags_out = [], [], [], []
    for row in t.itertuples(index=False):
        ticket = row._asdict()
        cat, team = ticket["category"], ticket["team"]
        first_name = str(info.at[ticket["customer_id"], "name"]).split(" ")[0]
        order = f"O{int(rng.integers(1, 60000)):06d}"
        product = T.PRODUCTS[int(rng.integers(len(T.PRODUCTS)))][1].lower()
        rigid_p = RIGID_RETURNS_P[team] if cat == "returns" else RIGID_OTHER_P[team]
        flags = {"empathy": rng.random() < EMPATHY_P[team], "plan": rng.random() < PLAN_P,
                 "rigid": rng.random() < rigid_p,
                 "exception": cat == "returns" and rng.random() < EXCEPTION_RETURNS_P[team]}
        f0 = dict(flags)
        now = ticket["created_at"]
        conv = [(now, "customer", ticket["customer_id"], T.say(rng, T.CUSTOMER_OPEN[cat], order=order, product=product))]
        if ticket["channel"] == "chat" and rng.random() < 0.6:
            conv.append((now + pd.Timedelta(seconds=int(rng.integers(2, 20))), "bot", "bot",
                         T.say(rng, T.BOT, typo=0, wait=int(rng.integers(5, 60)))))
        rounds = 1 + int(rng.random() < 0.55) + int(rng.random() < 0.15)
        first_reply = None
        for k in range(rounds):
            if k > 0:
                now = now + pd.Timedelta(minutes=float(rng.uniform(10, 300)))
                conv.append((now, "customer", ticket["customer_id"],
                             T.say(rng, T.CUSTOMER_FOLLOW, phone=T.phone(rng))))
            now = now + pd.Timedelta(minutes=_delay(rng, now) if k == 0 else float(rng.lognormal(np.log(30), 0.8)))
            if k == 0:
                first_reply = now
            conv.append((now, "agent", ticket["agent_id"], _agent_text(rng, ticket, k == 0, flags, order, product, first_name)))
        last = conv[-1][0]
        recent = (end - ticket["created_at"]) < pd.Timedelta(days=10)
        is_open = rng.random() < (0.3 if recent else 0.004)
        if first_reply is not None and first_reply >= end:
            is_open = True
        conv = [c for c in conv if c[0] < end]
        closed.append(pd.NaT if is_open else min(last + pd.Timedelta(minutes=float(rng.uniform(5, 120))), end - pd.Timedelta(minutes=1)))
        status.append("open" if is_open else "closed")
        flags_out.append(f0)
        for c in conv:
            msgs.append((ticket["ticket_id"], *c))
    t = t.assign(closed_at=closed, status=status)
    f = pd.DataFrame(flags_out)
    t = pd.concat([t, f.add_prefix("_")], axis=1)
    m = pd.DataFrame(msgs, columns=["ticket_id", "sent_at", "author_role", "author_id", "text"])
    m["sent_at"] = m["sent_at"].dt.floor("s")
    m = m.sort_values(["ticket_id", "sent_at"], kind="stable", ignore_index=True)
    m.insert(1, "message_id", [f"M{i + 1:06d}" for i in range(len(m))])
    return t, m


def csat_ces(rng, t: pd.DataFrame, m: pd.DataFrame, info: pd.DataFrame, n_csat: int, n_ces: int) -> pd.DataFrame:
    """Post-ticket CSAT (1-5) and CES (1-7) answers on closed tickets, driven by the planted flags.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness.
    t, m : DataFrame
        Tickets (with ``status, closed_at, team`` and the planted ``_plan, _rigid, _exception``)
        and messages from :func:`tickets_and_messages`.
    info : DataFrame
        Customers indexed by ``customer_id`` with ``region, plan, channel``.
    n_csat, n_ces : int
        Answers of each survey (at most one per closed ticket and survey).

    Returns
    -------
    DataFrame
        ``customer_id, submitted_at, survey, score, comment, ticket_id, team, staff_id, region,
        plan, channel``; ``survey`` is ``"csat"`` or ``"ces"``, ``score`` a float, ``comment``
        and ``staff_id`` None.
    """
    closed = t[t["status"] == "closed"].reset_index(drop=True)
    first_c = m[m.author_role == "customer"].groupby("ticket_id")["sent_at"].min()
    first_a = m[m.author_role == "agent"].groupby("ticket_id")["sent_at"].min()
    frt = ((first_a - first_c).dt.total_seconds() / 3600).reindex(closed["ticket_id"]).to_numpy()
    latent = (4.0 + 0.45 * closed["_plan"] - 0.9 * closed["_rigid"] + 0.3 * closed["_exception"]
              - 0.35 * (closed["team"] == "B") + 0.15 * (closed["team"] == "C") - 0.3 * (np.nan_to_num(frt) > 4)).to_numpy()
    rows = []
    for survey, n, lo, hi, shift in (("csat", n_csat, 1, 5, 0.0), ("ces", n_ces, 1, 7, 1.5)):
        idx = rng.choice(len(closed), size=min(n, len(closed)), replace=False)
        for i in np.sort(idx):
            tk = closed.iloc[i]
            s = int(np.clip(np.round(latent[i] + shift + rng.normal(0, 0.85)), lo, hi))
            rows.append({"customer_id": tk["customer_id"], "submitted_at": tk["closed_at"] + pd.Timedelta(minutes=int(rng.integers(5, 600))),
                         "survey": survey, "score": float(s), "comment": None, "ticket_id": tk["ticket_id"],
                         "team": tk["team"], "staff_id": None, "region": info.at[tk["customer_id"], "region"],
                         "plan": info.at[tk["customer_id"], "plan"], "channel": info.at[tk["customer_id"], "channel"]})
    return pd.DataFrame(rows)
