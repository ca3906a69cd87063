"""Hearthly at scale: a big week-partitioned Parquet workspace with the demo's planted truths.

``make_scale_workspace(out, scale=100)`` writes the tables a large care programme tallies —
``responses, orders, tickets, messages, complaints`` — as week partitions
(``responses/week=2026-W33/part-0.parquet``, see :mod:`carelib.data.partitions`), plus
``customers.parquet``, ``actions.csv``, ``codebook.yml`` and ``TRUTH.yml``. Same columns and
contracts as the demo (:mod:`carelib.demo.workspace`), same calendar and truths
(:mod:`carelib.demo.truths`), texts from the demo's banks (:mod:`carelib.demo.text`).

Sizes. ``scale`` counts *scale units*, calibrated so that ``scale=100`` is the issue's big
workspace: one unit is 1,000,000 survey answers, 300,000 orders, 100,000 tickets (about 3.7
messages each), 10,000 complaints and 20,000 customers. (The 1x demo is smaller and survey-light:
10,000 answers for 60,000 orders.) ``scale=0.02`` is a 20,000-answer workspace for tests.

How. Vectorised numpy and pyarrow, one week at a time: each week's rows are drawn from a random
generator seeded by ``(seed, table, week)``, rows that fall into a later week (an NPS answer
sent days after an order, a message after the weekend, a CSAT answer after the ticket closed)
wait in a buffer for their week, and each week is written and dropped, so memory is bounded by
one week. Texts are renderings of the demo templates (:func:`carelib.demo.text.say`, typos,
phone numbers and card numbers included) drawn from banks of a few hundred per intent.

Planted, as in the demo: North's NPS dip in 2026-W20..W27 (detractors 38 % against 18 %) with late
delivery comments and three times the delivery complaints and tickets; the app's double charge in
2026-W33..W34 (billing complaints from its release on the Tuesday of W33, more in W34; tickets and NPS
comments from app customers); team B's rigid
refusals and thinner empathy in messages, and their lower CSAT; plans in ~40 % of replies; the
Monday-morning wave; the PMF pulse in 2026-W40; the eNPS dip at the Q3 pulse. Not planted at
scale: reviews, recoveries, interviews, the early customers gone silent and the app newcomers'
login tickets (they need per-customer histories, not a weekly stream).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from carelib.data.contracts import contract
from carelib.data.partitions import WEEK_COLUMNS, arrow_schema, write_week
from carelib.demo import text as T
from carelib.demo.support import BASE_MIX, CATEGORIES, hour_of_week_weights
from carelib.demo.truths import (
    BAD_NORTH,
    DOUBLE_CHARGE,
    DOUBLE_CHARGE_COMPLAINTS,
    DOUBLE_CHARGE_RELEASE,
    EMPATHY_P,
    END,
    ENPS_PULSES,
    EXCEPTION_RETURNS_P,
    MONDAY_WAVE,
    N_WEEKS,
    PLAN_P,
    PMF_WEEK,
    REGIONS,
    RIGID_OTHER_P,
    RIGID_RETURNS_P,
    START,
    TEAMS,
)
from carelib.demo.workspace import ACTION_COLUMNS, ACTIONS, CODEBOOK
from carelib.errors import ParameterError

__all__ = ["UNIT", "TABLES", "make_scale_workspace", "ScaleResult"]

UNIT = {"responses": 1_000_000, "orders": 300_000, "tickets": 100_000, "complaints": 10_000, "customers": 20_000}
TABLES = ("responses", "orders", "tickets", "messages", "complaints")
COLUMNS = {
    "responses": ["response_id", "customer_id", "submitted_at", "survey", "score", "comment", "ticket_id", "team",
                  "staff_id", "region", "plan", "channel"],
    "orders": ["order_id", "customer_id", "ordered_at", "amount", "product_id", "delivery_partner", "delivered_at"],
    "tickets": ["ticket_id", "customer_id", "created_at", "category", "channel", "team", "agent_id", "closed_at",
                "status"],
    "messages": ["ticket_id", "message_id", "sent_at", "author_role", "author_id", "text"],
    "complaints": ["complaint_id", "customer_id", "received_at", "category", "text"],
}
ID_PREFIX = {"responses": ("response_id", "R"), "messages": ("message_id", "M"), "complaints": ("complaint_id", "CP")}
CSAT_P, CES_P = 0.4, 0.1  # answers per closed ticket
PMF_UNIT, DEMO_COMPLAINTS = 4_000, 397  # PMF answers per unit; complaints of the 1x demo (rates scale from it)
COMPLAINT_RATE = {"delivery": 2.4, "product": 1.2, "service": 0.9, "returns": 0.9, "billing": 0.8}  # demo, per week
NPS_THEMES = ("quality", "delivery_late", "delivery_ok", "billing", "returns", "login", "price", "generic_neg",
              "generic_pos", "service_good")
BANK = 128  # renderings per intent
_S0 = int(START.value // 10**9)
_SEND = int(END.value // 10**9)
_DAY, _WEEK = 86_400, 7 * 86_400
_TABLE_CODE = {"customers": 1, "orders": 2, "tickets": 3, "responses": 4, "complaints": 5, "banks": 6, "staff": 7}


def _pa():
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


@dataclass(frozen=True)
class ScaleResult:
    """What :func:`make_scale_workspace` wrote: the folder, rows per table, seconds, rows per second."""

    path: Path
    rows: dict
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.seconds if self.seconds else float("nan")

    def lines(self) -> list[str]:
        out = [f"{t}: {n:,} rows" for t, n in self.rows.items()]
        return out + [f"{sum(self.rows.values()):,} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s)"]


# --------------------------------------------------------------------------- text banks and ids


class _Banks:
    """Renderings of the demo's text templates as Arrow arrays, each ending with a null (index ``len - 1``)."""

    def __init__(self, rng: np.random.Generator) -> None:
        pa, _ = _pa()
        products = [p[1].lower() for p in T.PRODUCTS]

        def slots(**fns):
            return {k: f() for k, f in fns.items()}

        def bank(variants, typo=0.08, **fns):
            return [T.say(rng, variants, typo=typo, **slots(**fns)) for _ in range(BANK)]

        order = lambda: f"O{int(rng.integers(1, 10**7)):07d}"  # noqa: E731
        product = lambda: products[int(rng.integers(len(products)))]  # noqa: E731
        amount = lambda: f"{float(rng.choice([29.0, 45.0, 79.0, 119.0])):.2f}"  # noqa: E731
        self.nps = pa.array(sum((bank(T.NPS_COMMENTS[t], product=product) for t in NPS_THEMES), []) + [None])
        self.enps = pa.array(sum((bank(T.ENPS_COMMENTS[b]) for b in ("low", "mid", "high")), []) + [None])
        self.open = pa.array(sum((bank(T.CUSTOMER_OPEN[c], order=order, product=product) for c in CATEGORIES), []) + [None])
        self.follow = pa.array(bank(T.CUSTOMER_FOLLOW, phone=lambda: T.phone(rng)) + [None])
        self.bot = pa.array(bank(T.BOT, typo=0, wait=lambda: int(rng.integers(5, 60))) + [None])
        self.content = pa.array(sum((bank(T.CONTENT[c], typo=0.03, order=order, product=product)
                                     for c in CATEGORIES), []) + [None])
        for name, variants in (("empathy", T.EMPATHY), ("rigid", T.RIGID), ("exception", T.EXCEPTION),
                               ("plan", T.PLAN), ("vague", T.VAGUE)):
            setattr(self, name, pa.array(bank(variants, typo=0.02) + [None]))
        self.greet = pa.array([v.format(first=f) for v in T.AGENT_GREET for f in T.FIRST] + [None])
        self.close = pa.array([v.format(agent=f) for v in T.CLOSE for f in T.FIRST] + [None])
        self.complaint = {c: pa.array(bank(T.COMPLAINT[c], order=order, product=product, amount=amount) + [None])
                          for c in COMPLAINT_RATE}
        self.double_charge = pa.array(bank(T.DOUBLE_CHARGE_COMPLAINT, order=order) + [None])

    @staticmethod
    def pick(rng, bank, n: int, offset=0, present=None):
        """``n`` texts from ``bank`` (variants ``offset .. offset + BANK``); null where ``present`` is False."""
        idx = np.asarray(offset) + rng.integers(0, BANK, n)
        if present is not None:
            idx = np.where(present, idx, len(bank) - 1)
        return bank.take(idx)


def _ids(prefix: str, start: int, n: int, width: int):
    """``prefix`` + zero-padded numbers ``start+1 .. start+n`` as an Arrow string array."""
    pa, pc = _pa()
    digits = pc.utf8_lpad(pa.array(np.arange(start + 1, start + n + 1)).cast(pa.string()), width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None):
    pa, _ = _pa()
    return pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, type=pa.timestamp("us"),
                    mask=None if valid is None else ~np.asarray(valid))


def _choice_rows(rng, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights`` (rows need not sum to one)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _nps_scores(rng, p_det: np.ndarray, p_pro: np.ndarray) -> np.ndarray:
    n = len(p_det)
    u = rng.random(n)
    det = rng.choice(np.arange(0, 7), size=n, p=[.05, .05, .08, .12, .15, .25, .30])
    pas = rng.choice([7, 8], size=n, p=[.45, .55])
    pro = rng.choice([9, 10], size=n, p=[.5, .5])
    return np.where(u < p_det, det, np.where(u < 1 - p_pro, pas, pro))


# --------------------------------------------------------------------------- customers


@dataclass
class _Customers:
    ids: object  # Arrow strings
    seen: np.ndarray  # first_seen, epoch seconds, sorted
    region: np.ndarray
    plus: np.ndarray
    app: np.ndarray
    first: np.ndarray  # index into T.FIRST
    cum: np.ndarray  # cumulative order weights (Plus 2.6)

    def pick(self, rng, at: np.ndarray) -> np.ndarray:
        """A customer seen before each time in ``at``, Plus members 2.6 times as likely."""
        k = np.maximum(np.searchsorted(self.seen, at, side="right"), 1)
        return np.minimum(np.searchsorted(self.cum, rng.random(len(at)) * self.cum[k - 1], side="right"), k - 1)

    def pick_among(self, rng, members: np.ndarray, before: int, n: int) -> np.ndarray:
        """``n`` customers drawn uniformly from ``members`` (indices, sorted) seen before ``before``."""
        k = max(int(np.searchsorted(self.seen[members], before, side="right")), 1)
        return members[rng.integers(0, k, n)]


def _customers(rng, n: int, width: int) -> tuple[_Customers, object]:
    pa, pc = _pa()
    pre = int(pd.Timestamp("2024-08-01").value // 10**9)
    early = int(pd.Timestamp("2024-05-06").value // 10**9) + rng.uniform(0, 85, 100) * _DAY
    before = pre + rng.uniform(0, _S0 - pre, int(0.4 * n))
    during = _S0 + np.sqrt(rng.uniform(0, 1, n - 100 - len(before))) * (N_WEEKS * 7 - 1) * _DAY
    seen = np.sort((np.concatenate([early, before, during]) // 60 * 60).astype(np.int64))
    first, last = rng.integers(len(T.FIRST), size=n), rng.integers(len(T.LAST), size=n)
    region, plus, app = rng.integers(len(REGIONS), size=n), rng.random(n) < 0.3, rng.random(n) < 0.45
    ids = _ids("C", 0, n, width)
    firsts, lasts = pa.array(T.FIRST), pa.array(T.LAST)
    clean = lambda names: pa.array(["".join(ch for ch in s.lower() if "a" <= ch <= "z") for s in names])  # noqa: E731
    num = pa.array(np.arange(n) % 97).cast(pa.string())
    email = pc.binary_join_element_wise(clean(T.FIRST).take(first), clean(T.LAST).take(last), num, "@example.",
                                        pa.array(["com", "net", "org"]).take(np.arange(n) % 3), "")
    phone = pc.binary_join_element_wise(
        "+44 7", pc.utf8_lpad(pa.array(rng.integers(100, 999, n)).cast(pa.string()), 3, padding="0"), " ",
        pc.utf8_lpad(pa.array(rng.integers(0, 999999, n)).cast(pa.string()), 6, padding="0"), "")
    days = (_SEND - seen) // _DAY
    band = np.where(days <= 90, 0, np.where(days <= 365, 1, 2))
    table = pa.table({
        "customer_id": ids, "first_seen": _ts(seen),
        "name": pc.binary_join_element_wise(firsts.take(first), lasts.take(last), " "), "email": email, "phone": phone,
        "region": pa.array(REGIONS).take(region), "plan": pa.array(["Standard", "Plus"]).take(plus.astype(int)),
        "channel": pa.array(["web", "app"]).take(app.astype(int)),
        "tenure_band": pa.array(["new (<3 months)", "3-12 months", "1 year+"]).take(band),
    })
    cust = _Customers(ids, seen, region, plus, app, first, np.cumsum(np.where(plus, 2.6, 1.0)))
    return cust, table


def _segments(cust: _Customers, pick: np.ndarray) -> dict:
    pa, _ = _pa()
    return {"region": pa.array(REGIONS).take(cust.region[pick]),
            "plan": pa.array(["Standard", "Plus"]).take(cust.plus[pick].astype(int)),
            "channel": pa.array(["web", "app"]).take(cust.app[pick].astype(int))}


def _in(w: int, span: tuple[int, int]) -> bool:
    return span[0] <= w <= span[1]


# --------------------------------------------------------------------------- one week of each table


def _orders(rng, cust: _Customers, w: int, n: int, first_id: int, width: int):
    pa, _ = _pa()
    at = np.sort(_S0 + w * _WEEK + rng.integers(0, 7, n) * _DAY + rng.integers(7 * 3600, 23 * 3600, n))
    pick = cust.pick(rng, at)
    prods = T.PRODUCTS
    pw = np.array([p[3] for p in prods], dtype=float)
    pi = rng.choice(len(prods), size=n, p=pw / pw.sum())
    amount = np.round(np.array([p[2] for p in prods])[pi] * rng.choice([1, 1, 1, 2, 3], size=n), 2)
    north = cust.region[pick] == REGIONS.index("North")
    bad = north & _in(w, BAD_NORTH)
    partner = "Swiftline" if w < BAD_NORTH[0] else "ParcelNow" if w <= BAD_NORTH[1] else "Northway Express"
    days = np.where(bad, rng.gamma(4.0, 2.0, n), rng.gamma(3.0, 0.8, n)) + 0.5
    lost = rng.random(n) < np.where(bad, 0.08, 0.008)
    delivered = at + np.round(days * 1440).astype(np.int64) * 60
    lost |= delivered >= _SEND
    return pa.table({
        "order_id": _ids("O", first_id, n, width), "customer_id": cust.ids.take(pick), "ordered_at": _ts(at),
        "amount": amount, "product_id": pa.array([p[0] for p in prods]).take(pi),
        "delivery_partner": pa.array(np.where(north, partner, "Swiftline")), "delivered_at": _ts(delivered, ~lost),
    })


def _nps_theme_weights(score, bad, victim, plus, app) -> np.ndarray:
    """Weights of :data:`NPS_THEMES` for each answer, as the demo's ``_nps`` picks a comment's theme."""
    k = {t: i for i, t in enumerate(NPS_THEMES)}
    W = np.zeros((len(score), len(NPS_THEMES)), dtype=np.float32)
    det, pas, pro, none = score <= 6, (score >= 7) & (score <= 8), score >= 9, score < 0
    for theme, weight in (("delivery_late", np.where(bad, .85, .15 + .15 * plus)), ("returns", .2), ("price", .2),
                          ("login", .2 * app), ("generic_neg", .25), ("billing", 2.0 * victim)):
        W[:, k[theme]] += det * weight
    for theme, weight in (("price", .3), ("delivery_ok", .2), ("quality", .2), ("generic_pos", .15),
                          ("login", .15 * app), ("delivery_late", np.where(bad, .3, np.where(plus, .12, .03)))):
        W[:, k[theme]] += pas * weight
    for theme, weight in (("quality", .5), ("service_good", .15), ("delivery_ok", .15), ("generic_pos", .2)):
        W[:, k[theme]] += pro * weight
    W[:, k["generic_neg"]] += none
    return W


def _nps(rng, cust: _Customers, banks: _Banks, w: int, n: int):
    pa, _ = _pa()
    at = _S0 + w * _WEEK + rng.integers(0, 7, n) * _DAY + rng.integers(7 * 3600, 23 * 3600, n)
    pick = cust.pick(rng, at)
    plus, app = cust.plus[pick], cust.app[pick]
    bad = (cust.region[pick] == REGIONS.index("North")) & _in(w, BAD_NORTH)
    victim = app & _in(w, DOUBLE_CHARGE) & (rng.random(n) < 0.08)  # charged twice by app 4.2
    p_det = np.where(victim, 0.55, np.where(bad, 0.38, 0.18))
    p_pro = np.where(victim, 0.25, np.where(bad, 0.34, 0.50))
    score = _nps_scores(rng, p_det, p_pro)
    score = np.where(rng.random(n) < 0.01, -1, score)  # skipped the question
    theme = _choice_rows(rng, _nps_theme_weights(score, bad, victim, plus, app))
    present = (rng.random(n) <= 0.6) | bad
    return pa.table({
        "customer_id": cust.ids.take(pick), "submitted_at": _ts(at), "survey": pa.array(np.full(n, "nps")),
        "score": pa.array(score, mask=score < 0, type=pa.int64()),
        "comment": banks.pick(rng, banks.nps, n, offset=theme * BANK, present=present),
        "ticket_id": pa.nulls(n, pa.string()), "team": pa.nulls(n, pa.string()), "staff_id": pa.nulls(n, pa.string()),
        **_segments(cust, pick),
    })


def _pmf(rng, cust: _Customers, w: int, n: int):
    pa, _ = _pa()
    at = _S0 + w * _WEEK + rng.integers(0, 7 * 1440, n) * 60
    pick = cust.pick(rng, at)
    p_very = np.where(cust.plus[pick], 0.52, 0.32)
    u = rng.random(n)
    score = np.where(u < p_very, 3, np.where(u < p_very + 0.36, 2, 1))
    return pa.table({
        "customer_id": cust.ids.take(pick), "submitted_at": _ts(at), "survey": pa.array(np.full(n, "pmf")),
        "score": pa.array(score, type=pa.int64()), "comment": pa.nulls(n, pa.string()),
        "ticket_id": pa.nulls(n, pa.string()), "team": pa.nulls(n, pa.string()), "staff_id": pa.nulls(n, pa.string()),
        **_segments(cust, pick),
    })


def _enps(rng, banks: _Banks, pulse: int, n_staff: int):
    pa, _ = _pa()
    low = pulse == 3  # Q3: support understaffed during the North delivery problems
    answered = np.nonzero(rng.random(n_staff) < 0.92)[0]
    n = len(answered)
    p_det, p_pro = (0.45, 0.22) if low else (0.15, 0.45)
    score = _nps_scores(rng, np.full(n, p_det), np.full(n, p_pro))
    band = np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    at = int(pd.Timestamp(ENPS_PULSES[pulse]).value // 10**9) + rng.integers(9 * 60, 17 * 60, n) * 60
    team = np.where(answered < int(n_staff * 0.8), np.array(TEAMS)[answered % 3], "ops")
    return pa.table({
        "customer_id": pa.nulls(n, pa.string()), "submitted_at": _ts(at), "survey": pa.array(np.full(n, "enps")),
        "score": pa.array(score, type=pa.int64()),
        "comment": banks.pick(rng, banks.enps, n, offset=band * BANK, present=rng.random(n) < 0.5),
        "ticket_id": pa.nulls(n, pa.string()), "team": pa.array(team), "staff_id": _ids("S", 0, n_staff, 4).take(answered),
        "region": pa.nulls(n, pa.string()), "plan": pa.nulls(n, pa.string()), "channel": pa.nulls(n, pa.string()),
    })


def _complaints(rng, cust: _Customers, banks: _Banks, w: int, factor: float, pools: dict):
    pa, _ = _pa()
    tables = []
    before = _S0 + w * _WEEK
    draws = [(cat, pools[r], lam / 4 * factor * (3 if cat == "delivery" and r == "North" and _in(w, BAD_NORTH) else 1), 0)
             for r in REGIONS for cat, lam in COMPLAINT_RATE.items()]
    if _in(w, DOUBLE_CHARGE):  # app 4.2 charged app customers twice: from its release on, every app user in week 2
        second = w == DOUBLE_CHARGE[1]
        first = 0 if second else int(DOUBLE_CHARGE_RELEASE.total_seconds() // 60)  # minutes into the week
        draws.append(("double_charge", pools["app"], DOUBLE_CHARGE_COMPLAINTS[second] * factor * (1 - first / (7 * 1440)), first))
    for cat, pool, lam, first in draws:
        n = int(rng.poisson(lam))
        if n == 0:
            continue
        pick = cust.pick_among(rng, pool, before, n)
        texts = banks.double_charge if cat == "double_charge" else banks.complaint[cat]
        tables.append(pa.table({"customer_id": cust.ids.take(pick),
                                "received_at": _ts(before + rng.integers(first, 7 * 1440, n) * 60),
                                "category": pa.array(np.full(n, "billing" if cat == "double_charge" else cat)),
                                "text": banks.pick(rng, texts, n)}))
    return pa.concat_tables(tables) if tables else None


def _ticket_flags(rng, team: np.ndarray, returns: np.ndarray) -> dict:
    p = lambda d: np.array([d[t] for t in TEAMS])[team]  # noqa: E731
    n = len(team)
    return {"empathy": rng.random(n) < p(EMPATHY_P), "plan": rng.random(n) < PLAN_P,
            "rigid": rng.random(n) < np.where(returns, p(RIGID_RETURNS_P), p(RIGID_OTHER_P)),
            "exception": returns & (rng.random(n) < p(EXCEPTION_RETURNS_P))}


def _agent_texts(rng, banks: _Banks, f: dict, cat, first, agent_name, n: int) -> tuple:
    """The first reply and the two later replies of each ticket, as the demo's ``_agent_text`` writes them."""
    _, pc = _pa()
    plan_first = banks.pick(rng, banks.plan, n, present=f["plan"])
    vague_first = banks.pick(rng, banks.vague, n, present=~f["plan"] & (rng.random(n) < 0.5))
    close = lambda: banks.close.take(rng.integers(0, len(T.CLOSE), n) * len(T.FIRST) + agent_name)  # noqa: E731
    first_reply = pc.binary_join_element_wise(
        banks.greet.take(rng.integers(0, len(T.AGENT_GREET), n) * len(T.FIRST) + first),
        banks.pick(rng, banks.empathy, n, present=f["empathy"]),
        banks.pick(rng, banks.content, n, offset=cat * BANK),
        banks.pick(rng, banks.rigid, n, present=f["rigid"]),
        banks.pick(rng, banks.exception, n, present=f["exception"] & ~f["rigid"]),
        pc.coalesce(plan_first, vague_first), close(), " ", null_handling="skip")
    later = []
    for k in range(2):
        plan = f["plan"] & (rng.random(n) < 0.5)
        later.append(pc.binary_join_element_wise(
            banks.pick(rng, banks.exception, n, present=f["exception"] & f["rigid"] & (k == 0)),
            pc.coalesce(banks.pick(rng, banks.plan, n, present=plan),
                        banks.pick(rng, banks.vague, n, present=~plan & (rng.random(n) < 0.5))),
            close(), " ", null_handling="skip"))
    return first_reply, later[0], later[1]


def _tickets(rng, cust: _Customers, banks: _Banks, w: int, n: int, first_id: int, width: int, n_agents: int):
    """One week of tickets, their messages and the CSAT/CES answers about them."""
    pa, _ = _pa()
    how = hour_of_week_weights()
    hw = rng.choice(168, size=n, p=how)
    created = np.sort(_S0 + w * _WEEK + hw * 3600 + rng.integers(0, 3600, n))
    hw = (created - _S0 - w * _WEEK) // 3600
    pick = cust.pick(rng, created)
    mix = np.tile(BASE_MIX, (n, 1))
    mix[:, 0] *= np.where((cust.region[pick] == REGIONS.index("North")) & _in(w, BAD_NORTH), 3.5, 1.0)
    mix[:, 2] *= np.where(cust.app[pick] & _in(w, DOUBLE_CHARGE), 4.0, 1.0)
    cat = _choice_rows(rng, mix)
    team = rng.integers(0, len(TEAMS), n)
    agent = team * n_agents + rng.integers(0, n_agents, n)
    f = _ticket_flags(rng, team, cat == CATEGORIES.index("returns"))
    wave = (hw < 24) & (hw % 24 >= MONDAY_WAVE[0]) & (hw % 24 < MONDAY_WAVE[1])
    a1 = created + (rng.lognormal(np.log(35), 0.9, n) * np.where(wave, 3.0, 1.0) * 60).astype(np.int64)
    r2, r3 = rng.random(n) < 0.55, rng.random(n) < 0.15
    c2 = a1 + (rng.uniform(10, 300, n) * 60).astype(np.int64)
    a2 = c2 + (rng.lognormal(np.log(30), 0.8, n) * 60).astype(np.int64)
    c3 = a2 + (rng.uniform(10, 300, n) * 60).astype(np.int64)
    a3 = c3 + (rng.lognormal(np.log(30), 0.8, n) * 60).astype(np.int64)
    last = np.where(r3, a3, np.where(r2, a2, a1))
    is_open = (rng.random(n) < np.where(_SEND - created < 10 * _DAY, 0.3, 0.004)) | (a1 >= _SEND)
    closed = np.minimum(last + (rng.uniform(5, 120, n) * 60).astype(np.int64), _SEND - 60)
    ids = _ids("T", first_id, n, width)
    agent_ids = pa.array([f"agent-{t.lower()}{i + 1}" for t in TEAMS for i in range(n_agents)]).take(agent)
    chat = rng.random(n)
    channel = np.where(chat < 0.4, "email", np.where(chat < 0.85, "chat", "social"))
    tickets = pa.table({
        "ticket_id": ids, "customer_id": cust.ids.take(pick), "created_at": _ts(created),
        "category": pa.array(CATEGORIES).take(cat), "channel": pa.array(channel), "team": pa.array(TEAMS).take(team),
        "agent_id": agent_ids, "closed_at": _ts(closed, ~is_open),
        "status": pa.array(np.where(is_open, "open", "closed")),
    })
    replies = _agent_texts(rng, banks, f, cat, cust.first[pick], (7 * agent + 3) % len(T.FIRST), n)
    bot = (channel == "chat") & (rng.random(n) < 0.6)
    slots = [  # (sent_at, present, role, author, text)
        (created, np.ones(n, bool), "customer", cust.ids.take(pick), banks.pick(rng, banks.open, n, offset=cat * BANK)),
        (created + rng.integers(2, 20, n), bot, "bot", pa.array(np.full(n, "bot")), banks.pick(rng, banks.bot, n)),
        (a1, np.ones(n, bool), "agent", agent_ids, replies[0]),
        (c2, r2, "customer", cust.ids.take(pick), banks.pick(rng, banks.follow, n)),
        (a2, r2, "agent", agent_ids, replies[1]),
        (c3, r2 & r3, "customer", cust.ids.take(pick), banks.pick(rng, banks.follow, n)),
        (a3, r2 & r3, "agent", agent_ids, replies[2]),
    ]
    parts = []
    for at, present, role, author, text in slots:
        keep = np.nonzero(present & (at < _SEND))[0]
        parts.append(pa.table({"ticket_id": ids.take(keep), "sent_at": _ts(at[keep]),
                               "author_role": pa.array(np.full(len(keep), role)), "author_id": author.take(keep),
                               "text": text.take(keep)}))
    messages = pa.concat_tables(parts)
    answers = _csat_ces(rng, cust, pick, f, team, ids, closed, is_open, (a1 - created) / 3600)
    return tickets, messages, answers


def _csat_ces(rng, cust: _Customers, pick, f: dict, team, ids, closed, is_open, frt_hours):
    """Post-ticket CSAT (1-5) and CES (1-7) answers, driven by the planted flags as in the demo."""
    pa, _ = _pa()
    latent = (4.0 + 0.45 * f["plan"] - 0.9 * f["rigid"] + 0.3 * f["exception"] - 0.35 * (team == 1)
              + 0.15 * (team == 2) - 0.3 * (frt_hours > 4))
    out = []
    for survey, p, hi, shift in (("csat", CSAT_P, 5, 0.0), ("ces", CES_P, 7, 1.5)):
        i = np.nonzero(~is_open & (rng.random(len(team)) < p))[0]
        m = len(i)
        score = np.clip(np.round(latent[i] + shift + rng.normal(0, 0.85, m)), 1, hi).astype(np.int64)
        out.append(pa.table({
            "customer_id": cust.ids.take(pick[i]), "submitted_at": _ts(closed[i] + rng.integers(5, 600, m) * 60),
            "survey": pa.array(np.full(m, survey)), "score": pa.array(score), "comment": pa.nulls(m, pa.string()),
            "ticket_id": ids.take(i), "team": pa.array(TEAMS).take(team[i]), "staff_id": pa.nulls(m, pa.string()),
            **_segments(cust, pick[i]),
        }))
    return pa.concat_tables(out)


# --------------------------------------------------------------------------- writing, week by week


class _Weeks:
    """Rows waiting for their week: a table's week is written once every later row has been drawn."""

    def __init__(self, out: Path, widths: dict) -> None:
        self.out, self.widths = out, widths
        self.pending: dict[str, list] = {t: [] for t in TABLES}
        self.next_id = {t: 0 for t in TABLES}
        self.rows = {t: 0 for t in TABLES}

    def add(self, table: str, rows) -> None:
        if rows is not None and rows.num_rows:
            self.pending[table].append(rows)

    def flush(self, w: int) -> None:
        """Write week ``w`` of every table; keep later rows, drop rows after the year."""
        pa, pc = _pa()
        end = (_S0 + (w + 1) * _WEEK) * 1_000_000
        for table in TABLES:
            column = WEEK_COLUMNS[table]
            names = [c for c in COLUMNS[table] if table not in ID_PREFIX or c != ID_PREFIX[table][0]]
            rows = pa.concat_tables([t.select(names) for t in self.pending[table]]) if self.pending[table] else None
            self.pending[table] = []
            if rows is None:
                now = pa.table({n: pa.nulls(0) for n in names})
            else:  # one copy for this week, in time order, one for the rows of later weeks
                at = pc.cast(rows[column], pa.int64()).to_numpy()
                idx = np.nonzero(at < end)[0]
                now = rows.take(idx[np.argsort(at[idx], kind="stable")])
                later = np.nonzero((at >= end) & (at < _SEND * 1_000_000))[0]
                if len(later):
                    self.pending[table] = [rows.take(later)]
                del rows, at
            self._write(table, w, now)

    def _write(self, table: str, w: int, rows) -> None:
        pa, _ = _pa()
        if table in ID_PREFIX:
            name, prefix = ID_PREFIX[table]
            rows = rows.add_column(0 if table != "messages" else 1, name,
                                   _ids(prefix, self.next_id[table], rows.num_rows, self.widths[table]))
            self.next_id[table] += rows.num_rows
        schema = arrow_schema(contract(table), COLUMNS[table])
        rows = pa.Table.from_arrays([rows[c].cast(schema.field(c).type) for c in COLUMNS[table]], schema=schema)
        write_week(self.out, table, _label(w), rows, replace=True)
        self.rows[table] += rows.num_rows


def _label(w: int) -> str:
    iso = (START + pd.Timedelta(weeks=w)).isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def _chunks(n: int, size: int = 250_000) -> list[int]:
    return [min(size, n - i) for i in range(0, n, size)]


def _width(n: float) -> int:
    return max(5, len(str(int(n * 1.5) + 1)))


def make_scale_workspace(out_dir: str | Path, scale: float = 1.0, seed: int = 0, progress=None,
                         weeks: int | None = None) -> ScaleResult:
    """Write Hearthly at ``scale`` units as a week-partitioned Parquet workspace (see the module notes).

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created when missing; weeks of the same tables are replaced).
    scale : float
        Scale units, in [0.01, 1000]: 1 is 1 M survey answers, 300 k orders, 100 k tickets,
        ~370 k messages, 10 k complaints and 20 k customers; 100 is the issue's 100 M workspace.
    seed : int
        Seed; same seed and scale, same rows (each week has its own generator).
    progress : callable, optional
        Called with a line after each week is written (the command line prints it).
    weeks : int, optional
        Write only the first ``weeks`` weeks (a quick measurement of a big scale); default all 52.

    Returns
    -------
    ScaleResult
        The folder, rows written per table and the seconds it took.
    """
    if not isinstance(scale, int | float) or not 0.01 <= scale <= 1000:
        raise ParameterError(f"scale must be a number in [0.01, 1000] (scale units, 100 = 100 M answers), got {scale!r}")
    t0 = time.perf_counter()
    out = Path(out_dir)
    clash = [p.name for t in TABLES for p in (out.glob(f"{t}.*") if out.is_dir() else []) if p.is_file()]
    if clash:
        raise ParameterError(f"{out}: holds {', '.join(sorted(clash))}: a table is either one file or a folder of "
                             f"week partitions, never both; write the partitioned workspace to another folder")
    out.mkdir(parents=True, exist_ok=True)
    rng_of = lambda table, w=0: np.random.default_rng([seed, _TABLE_CODE[table], w])  # noqa: E731
    n_cust = max(500, int(UNIT["customers"] * scale))
    cust, customers = _customers(rng_of("customers"), n_cust, _width(n_cust))
    _write_parquet(customers, out / "customers.parquet")
    del customers  # only the arrays of _Customers are needed from here on
    banks = _Banks(rng_of("banks"))
    growth = np.linspace(0.8, 1.2, N_WEEKS)
    per_week = {"orders": np.round(UNIT["orders"] * scale * growth / growth.sum()).astype(int),
                "tickets": np.full(N_WEEKS, int(round(UNIT["tickets"] * scale / N_WEEKS)))}
    n_side = (CSAT_P + CES_P) * UNIT["tickets"] + PMF_UNIT  # answers that are not NPS, per unit
    per_week["nps"] = np.full(N_WEEKS, int(round((UNIT["responses"] - n_side) * scale / N_WEEKS)))
    widths = {"orders": _width(per_week["orders"].sum()), "tickets": _width(per_week["tickets"].sum()),
              "responses": _width(UNIT["responses"] * scale), "messages": _width(4 * per_week["tickets"].sum()),
              "complaints": _width(UNIT["complaints"] * scale)}
    pools = {r: np.nonzero(cust.region == i)[0] for i, r in enumerate(REGIONS)} | {"app": np.nonzero(cust.app)[0]}
    factor = UNIT["complaints"] * scale / DEMO_COMPLAINTS
    n_agents, n_staff = max(8, int(round(8 * scale))), max(60, int(round(60 * scale)))
    pulses = {int((pd.Timestamp(d) - START).days // 7): q for q, d in enumerate(ENPS_PULSES)}
    sink = _Weeks(out, widths)
    next_order = next_ticket = 0
    for w in range(N_WEEKS if weeks is None else max(1, min(int(weeks), N_WEEKS))):
        sink.add("orders", _orders(rng_of("orders", w), cust, w, per_week["orders"][w], next_order, widths["orders"]))
        next_order += per_week["orders"][w]
        tickets, messages, answers = _tickets(rng_of("tickets", w), cust, banks, w, per_week["tickets"][w],
                                              next_ticket, widths["tickets"], n_agents)
        next_ticket += per_week["tickets"][w]
        sink.add("tickets", tickets)
        sink.add("messages", messages)
        sink.add("responses", answers)
        r = rng_of("responses", w)
        for n in _chunks(per_week["nps"][w]):  # bounded memory for the theme weights of each answer
            sink.add("responses", _nps(r, cust, banks, w, n))
        if w == PMF_WEEK:
            sink.add("responses", _pmf(r, cust, w, int(PMF_UNIT * scale)))
        if w in pulses:
            sink.add("responses", _enps(r, banks, pulses[w], n_staff))
        sink.add("complaints", _complaints(rng_of("complaints", w), cust, banks, w, factor, pools))
        sink.flush(w)
        if progress is not None:
            progress(f"{_label(w)}: {sum(sink.rows.values()):,} rows so far, {time.perf_counter() - t0:.1f} s")
    rows = {"customers": n_cust, **sink.rows}
    _write_extras(out, scale, seed, rows)
    return ScaleResult(out, rows, time.perf_counter() - t0)


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    from carelib.files import write_atomic

    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    write_atomic(path, tmp.read_bytes())
    tmp.unlink()


def _write_extras(out: Path, scale: float, seed: int, rows: dict) -> None:
    from carelib.files import write_atomic

    actions = pd.DataFrame(ACTIONS, columns=ACTION_COLUMNS)
    write_atomic(out / "actions.csv", actions.to_csv(index=False, lineterminator="\n"))
    write_atomic(out / "codebook.yml", "# Hearthly interview codebook (demo).\n"
                 + yaml.safe_dump(CODEBOOK, sort_keys=False, allow_unicode=True))
    write_atomic(out / "TRUTH.yml", "# The truths planted in this workspace by carelib.demo.scale.make_scale_workspace "
                 "(see docs/at-scale.md).\n" + yaml.safe_dump(_truth(scale, seed, rows), sort_keys=False, allow_unicode=True))


def _truth(scale: float, seed: int, rows: dict) -> dict:
    return {
        "company": "Hearthly", "layout": "week-partitioned Parquet (TABLE/week=YYYY-Www/part-0.parquet)",
        "weeks": [_label(0), _label(N_WEEKS - 1)], "seed_note": f"make_scale_workspace(seed={seed}, scale={scale})",
        "scale": scale, "unit": dict(UNIT), "counts": dict(rows), "truths": [
            {"id": 1, "what": "North delivery partner switch: late deliveries, no tracking", "region": "North",
             "weeks": [_label(BAD_NORTH[0]), _label(BAD_NORTH[1])], "recovered_from": _label(BAD_NORTH[1] + 1),
             "nps_detractor_share": {"baseline": 0.18, "during": 0.38},
             "nps_promoter_share": {"baseline": 0.50, "during": 0.34}, "delivery_complaints_multiplier": 3,
             "delivery_tickets_multiplier": 3.5, "partner_during": "ParcelNow", "action": "A03"},
            {"id": 2, "what": "South is stable all year", "region": "South", "nps_detractor_share": 0.18,
             "nps_promoter_share": 0.50},
            {"id": 3, "what": "Monday-morning wave", "weekday": "Monday", "hours": list(MONDAY_WAVE),
             "volume_multiplier": 3.2, "first_response_multiplier": 3.0},
            {"id": 4, "what": "Team B rigid refusals, team C empathy", "rigid_rate_returns": dict(RIGID_RETURNS_P),
             "rigid_rate_other": dict(RIGID_OTHER_P), "empathy_rate": dict(EMPATHY_P),
             "csat": "team B lower (latent -0.35, and more rigid refusals at -0.9 each)"},
            {"id": 5, "what": "Plans stated in ~40 % of conversations; higher CSAT", "plan_share": PLAN_P},
            {"id": 6, "what": "App 4.2 double-charges card payments", "weeks": [_label(DOUBLE_CHARGE[0]),
             _label(DOUBLE_CHARGE[1])], "complaint_category": "billing", "billing_tickets_multiplier_app": 4,
             "complaints_per_full_week": [round(n * UNIT["complaints"] * scale / DEMO_COMPLAINTS)
                                          for n in DOUBLE_CHARGE_COMPLAINTS],
             "released": "Tuesday 10:00 of the first week; every app user in the second",
             "victims_nps": "8 % of app answers in those weeks: detractors 55 %, billing comments", "action": "A04"},
            {"id": 7, "what": "Staff eNPS dips in Q3", "pulses": list(ENPS_PULSES), "dip": ENPS_PULSES[3]},
            {"id": 9, "what": "PMF: very disappointed share", "week": _label(PMF_WEEK),
             "very_disappointed": {"Plus": 0.52, "Standard": 0.32}},
        ],
        "not_planted_at_scale": ["8 (floor lamp reviews)", "10 (early customers gone silent)", "11 (interviews)",
                                 "12 (app newcomers' login tickets)"],
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m carelib.demo.scale", description="Write Hearthly at scale.")
    parser.add_argument("out_dir")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = make_scale_workspace(args.out_dir, scale=args.scale, seed=args.seed, progress=print)
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
