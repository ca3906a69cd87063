"""The demo workspace: one year of Hearthly, a fictional online homeware retailer, with planted truths.

``make_demo(out_dir, seed=0, scale=1.0)`` writes every table of the workspace contracts
(:mod:`carelib.data.contracts`), twelve interview transcripts, a codebook and ``TRUTH.yml`` —
the effects put in on purpose, so tests can check that carekit finds them and stays quiet
where nothing was planted (``docs/demo-story.md`` tells the story). Same seed and scale,
same files. Command line: ``python -m carelib.demo.workspace OUT_DIR [--seed N] [--scale X]``
(``make demo-data`` regenerates ``data/demo``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from carelib.demo import text as T
from carelib.demo.interviews import first_round_codebook, write_codings, write_interviews
from carelib.demo.truths import (
    BAD_NORTH,
    CHANNELS,
    DEMO_WEEKS,
    DOUBLE_CHARGE,
    DOUBLE_CHARGE_COMPLAINTS,
    DOUBLE_CHARGE_RELEASE,
    END,
    ENPS_PULSES,
    N_WEEKS,
    PLANS,
    PMF_WEEK,
    REGIONS,
    START,
    TEAMS,
    iso_week_start,
)

__all__ = ["make_demo", "DEMO_WEEKS", "iso_week_start"]

def _week_of(ts: pd.Series) -> np.ndarray:
    return ((pd.to_datetime(ts) - START).dt.days // 7).to_numpy()


def _in(w: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    return (w >= span[0]) & (w <= span[1])


def _nps_score(rng: np.random.Generator, p_det: np.ndarray, p_pro: np.ndarray) -> np.ndarray:
    u = rng.random(len(p_det))
    det = rng.choice(np.arange(0, 7), size=len(u), p=[.05, .05, .08, .12, .15, .25, .30])
    pas = rng.choice([7, 8], size=len(u), p=[.45, .55])
    pro = rng.choice([9, 10], size=len(u), p=[.5, .5])
    return np.where(u < p_det, det, np.where(u < p_det + (1 - p_det - p_pro), pas, pro))


# --------------------------------------------------------------------------- customers


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    early = pd.to_datetime("2024-05-06") + pd.to_timedelta(np.sort(rng.uniform(0, 85, 100)), unit="D")
    before = pd.to_datetime("2024-08-01") + pd.to_timedelta(rng.uniform(0, (START - pd.Timestamp("2024-08-01")).days, int(0.4 * n)), unit="D")
    during = START + pd.to_timedelta(np.sqrt(rng.uniform(0, 1, n - 100 - len(before))) * (N_WEEKS * 7 - 1), unit="D")
    first_seen = np.concatenate([early, before, during])
    first_seen = np.sort(pd.to_datetime(first_seen).floor("min").to_numpy())
    names = [T.person(rng) for _ in range(n)]
    cust = pd.DataFrame({
        "customer_id": [f"C{i + 1:05d}" for i in range(n)],
        "first_seen": first_seen,
        "name": [f"{a} {b}" for a, b in names],
        "email": [T.email(a, b, i) for i, (a, b) in enumerate(names)],
        "phone": [T.phone(rng) for _ in range(n)],
        "region": rng.choice(REGIONS, n),
        "plan": np.where(rng.random(n) < 0.3, PLANS[1], PLANS[0]),
        "channel": np.where(rng.random(n) < 0.45, CHANNELS[1], CHANNELS[0]),
    })
    days = (END - cust["first_seen"]).dt.days
    cust["tenure_band"] = pd.cut(days, [-1, 90, 365, 10_000], labels=["new (<3 months)", "3-12 months", "1 year+"]).astype(str)
    return cust


# --------------------------------------------------------------------------- orders


def _orders(rng: np.random.Generator, cust: pd.DataFrame, n: int) -> pd.DataFrame:
    growth = np.linspace(0.8, 1.2, N_WEEKS * 7)
    day = rng.choice(N_WEEKS * 7, size=n, p=growth / growth.sum())
    at = START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(rng.integers(7 * 60, 23 * 60, n), unit="min")
    at = np.sort(at.to_numpy())
    fs = cust["first_seen"].to_numpy()
    weight = np.where(cust["plan"] == "Plus", 2.6, 1.0)
    cum = np.cumsum(weight)
    k = np.searchsorted(fs, at, side="right")  # customers seen before each order
    k = np.maximum(k, 1)
    pick = np.searchsorted(cum, rng.uniform(0, 1, n) * cum[k - 1], side="right")
    pick = np.minimum(pick, k - 1)
    prods = pd.DataFrame(T.PRODUCTS, columns=["product_id", "product_name", "price", "w"])
    pw = prods["w"].to_numpy() / prods["w"].sum()
    pi = rng.choice(len(prods), size=n, p=pw)
    qty = rng.choice([1, 1, 1, 2, 3], size=n)
    orders = pd.DataFrame({
        "order_id": [f"O{i + 1:06d}" for i in range(n)],
        "customer_id": cust["customer_id"].to_numpy()[pick],
        "ordered_at": pd.to_datetime(at),
        "amount": np.round(prods["price"].to_numpy()[pi] * qty, 2),
        "product_id": prods["product_id"].to_numpy()[pi],
    })
    region = orders["customer_id"].map(cust.set_index("customer_id")["region"]).to_numpy()
    w = _week_of(orders["ordered_at"])
    north_bad = (region == "North") & _in(w, BAD_NORTH)
    orders["delivery_partner"] = np.where(
        region != "North", "Swiftline", np.where(w < BAD_NORTH[0], "Swiftline", np.where(w <= BAD_NORTH[1], "ParcelNow", "Northway Express")))
    days = np.where(north_bad, rng.gamma(4.0, 2.0, n), rng.gamma(3.0, 0.8, n)) + 0.5
    lost = rng.random(n) < np.where(north_bad, 0.08, 0.008)
    delivered = orders["ordered_at"] + pd.to_timedelta(np.round(days * 24 * 60), unit="min")
    lost |= delivered >= END
    orders["delivered_at"] = delivered.where(~lost)
    return orders


# --------------------------------------------------------------------------- survey answers


def _nps(rng, orders: pd.DataFrame, cust: pd.DataFrame, n: int, victims: set[str]) -> pd.DataFrame:
    o = orders.sample(n=n, random_state=int(rng.integers(1 << 31)), weights=None).reset_index(drop=True)
    at = o["ordered_at"] + pd.to_timedelta(rng.integers(4 * 1440, 12 * 1440, n), unit="min")
    o = o[at < END].assign(submitted_at=at[at < END]).reset_index(drop=True)
    info = cust.set_index("customer_id").loc[o["customer_id"], ["region", "plan", "channel"]].reset_index(drop=True)
    o = pd.concat([o, info], axis=1)
    w = _week_of(o["submitted_at"])
    bad = (o["region"].to_numpy() == "North") & _in(w, BAD_NORTH)
    p_det = np.where(bad, 0.38, 0.18)
    p_pro = np.where(bad, 0.34, 0.50)
    score = _nps_score(rng, p_det, p_pro).astype(float)
    score[rng.random(len(score)) < 0.01] = np.nan  # skipped the question
    comments = []
    for i in range(len(o)):
        s, plus, app = score[i], o.at[i, "plan"] == "Plus", o.at[i, "channel"] == "app"
        if rng.random() > 0.6 and not bad[i]:
            comments.append(None)
            continue
        product = _product_name(o.at[i, "product_id"])
        victim = o.at[i, "customer_id"] in victims and _in(w[i:i + 1], DOUBLE_CHARGE)[0]
        if np.isnan(s):
            theme = "generic_neg"
        elif s <= 6:
            opts = {"delivery_late": 0.85 if bad[i] else 0.15 + (0.15 if plus else 0), "returns": 0.2, "price": 0.2,
                    "login": 0.2 if app else 0.0, "generic_neg": 0.25, "billing": 2.0 if victim else 0.0}
            theme = _pick(rng, opts)
        elif s <= 8:
            theme = _pick(rng, {"price": 0.3, "delivery_ok": 0.2, "quality": 0.2, "generic_pos": 0.15,
                                "login": 0.15 if app else 0, "delivery_late": 0.3 if bad[i] else (0.12 if plus else 0.03)})
        else:
            theme = _pick(rng, {"quality": 0.5, "service_good": 0.15, "delivery_ok": 0.15, "generic_pos": 0.2})
        comments.append(T.say(rng, T.NPS_COMMENTS[theme], product=product.lower()))
    return pd.DataFrame({
        "customer_id": o["customer_id"], "submitted_at": o["submitted_at"], "survey": "nps",
        "score": score, "comment": comments, "ticket_id": None, "team": None, "staff_id": None,
        "region": o["region"], "plan": o["plan"], "channel": o["channel"],
    })


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = [k for k, v in weights.items() if v > 0]
    p = np.array([weights[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _product_name(pid: str) -> str:
    return {p[0]: p[1] for p in T.PRODUCTS}[pid]


def _enps(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    staff = [(f"S{i + 1:02d}", TEAMS[i % 3] if i < 48 else "ops") for i in range(60)]
    for q, day in enumerate(ENPS_PULSES):
        low = q == 3  # Q3: support understaffed during the North delivery problems
        p_det, p_pro = (0.45, 0.22) if low else (0.15, 0.45)
        answered = [s for s in staff if rng.random() < 0.92]
        scores = _nps_score(rng, np.full(len(answered), p_det), np.full(len(answered), p_pro))
        for (sid, team), s in zip(answered, scores, strict=True):
            band = "low" if s <= 6 else "mid" if s <= 8 else "high"
            at = pd.Timestamp(day) + pd.Timedelta(minutes=int(rng.integers(9 * 60, 17 * 60)))
            rows.append({"customer_id": None, "submitted_at": at, "survey": "enps", "score": float(s),
                         "comment": T.say(rng, T.ENPS_COMMENTS[band]) if rng.random() < 0.5 else None,
                         "ticket_id": None, "team": team, "staff_id": sid})
    return pd.DataFrame(rows)


def _pmf(rng, cust: pd.DataFrame, orders: pd.DataFrame, n: int) -> pd.DataFrame:
    start = START + pd.Timedelta(weeks=PMF_WEEK)
    buyers = cust[cust["customer_id"].isin(orders.loc[orders["ordered_at"] < start, "customer_id"])]
    who = buyers.sample(n=min(n, len(buyers)), random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    p_very = np.where(who["plan"] == "Plus", 0.52, 0.32)
    u = rng.random(len(who))
    score = np.where(u < p_very, 3, np.where(u < p_very + 0.36, 2, 1))
    return pd.DataFrame({
        "customer_id": who["customer_id"], "submitted_at": start + pd.to_timedelta(rng.integers(0, 7 * 1440, len(who)), unit="min"),
        "survey": "pmf", "score": score.astype(float), "comment": None, "ticket_id": None, "team": None,
        "staff_id": None, "region": who["region"], "plan": who["plan"], "channel": who["channel"],
    })


# --------------------------------------------------------------------------- public voice


def _reviews(rng, orders: pd.DataFrame, cust: pd.DataFrame, n: int) -> pd.DataFrame:
    o = orders[orders["product_id"] != T.LAMP]
    o = o.sample(n=n - len(T.LAMP_REVIEWS), random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    at = o["ordered_at"] + pd.to_timedelta(rng.integers(3 * 1440, 20 * 1440, len(o)), unit="min")
    at = at.where(at < END, END - pd.Timedelta(hours=1))
    region = o["customer_id"].map(cust.set_index("customer_id")["region"]).to_numpy()
    bad = (region == "North") & _in(_week_of(at), BAD_NORTH)
    p_bad, p_ok = [.11, .11, .15, .27, .36], [.05, .05, .10, .28, .52]
    rating = np.array([rng.choice([1, 2, 3, 4, 5], p=p_bad if b else p_ok) for b in bad])
    text = [T.say(rng, T.REVIEW[int(r)], product=_product_name(p).lower()) for r, p in zip(rating, o["product_id"], strict=True)]
    rev = pd.DataFrame({"created_at": at, "rating": rating, "text": text, "product_id": o["product_id"],
                        "customer_id": o["customer_id"], "region": region})
    lamp_buyers = orders[orders["product_id"] == T.LAMP].head(len(T.LAMP_REVIEWS))
    lamp = pd.DataFrame({
        "created_at": (lamp_buyers["ordered_at"] + pd.Timedelta(days=6)).clip(upper=END - pd.Timedelta(hours=1)).to_numpy(),
        "rating": [r for r, _ in T.LAMP_REVIEWS][: len(lamp_buyers)], "text": [t for _, t in T.LAMP_REVIEWS][: len(lamp_buyers)],
        "product_id": T.LAMP, "customer_id": lamp_buyers["customer_id"].to_numpy(),
        "region": lamp_buyers["customer_id"].map(cust.set_index("customer_id")["region"]).to_numpy()})
    rev = pd.concat([rev, lamp], ignore_index=True).sort_values(["created_at", "customer_id"], ignore_index=True)
    rev.insert(0, "review_id", [f"RV{i + 1:05d}" for i in range(len(rev))])
    rev["source"] = rng.choice(["website", "Trustpilot", "Google", "app store"], len(rev), p=[.45, .25, .2, .1])
    rev["product_name"] = rev["product_id"].map(_product_name)
    return rev[["review_id", "created_at", "rating", "text", "source", "product_id", "product_name", "customer_id", "region"]]


def _complaint(rng, cid: str, w: int, cat: str) -> dict:
    at = START + pd.Timedelta(weeks=w) + pd.Timedelta(minutes=int(rng.integers(0, 7 * 1440)))
    amount = float(rng.choice([29.0, 45.0, 79.0, 119.0]))
    text = T.say(rng, T.COMPLAINT[cat], order=f"O{int(rng.integers(1, 60000)):06d}", amount=f"{amount:.2f}",
                 product=T.PRODUCTS[int(rng.integers(len(T.PRODUCTS)))][1].lower())
    return {"customer_id": cid, "received_at": at, "category": cat, "text": text}


def _billing_text(rng, variants: list[str]) -> str:
    amount = float(rng.choice([29.0, 45.0, 79.0, 119.0]))
    return T.say(rng, variants, order=f"O{int(rng.integers(1, 60000)):06d}", amount=f"{amount:.2f}")


def _complaints(rng, orders, cust, victims: list[str], scale: float) -> pd.DataFrame:
    rate = {"delivery": 2.4, "product": 1.2, "service": 0.9, "returns": 0.9, "billing": 0.8}  # per week, all regions
    buyers = orders.drop_duplicates("customer_id").merge(cust[["customer_id", "region"]], on="customer_id")
    by_region = {r: g["customer_id"].to_numpy() for r, g in buyers.groupby("region")}
    rows = []
    for w in range(N_WEEKS):
        for region in REGIONS:
            for cat, lam in rate.items():
                lam = lam / 4 * scale
                if cat == "delivery" and region == "North" and BAD_NORTH[0] <= w <= BAD_NORTH[1]:
                    lam *= 3
                for _ in range(rng.poisson(lam)):
                    rows.append((rng.choice(by_region[region]), w, cat))
    regular = len(rows)
    for w in range(DOUBLE_CHARGE[0], DOUBLE_CHARGE[1] + 1):
        picked = rng.choice(victims, size=min(len(victims), int(round(DOUBLE_CHARGE_COMPLAINTS[0] * scale))), replace=False)
        rows.extend((cid, w, "billing") for cid in picked)  # the last week's picks are kept in `picked`
    out = [_complaint(rng, cid, w, cat) for cid, w, cat in rows]
    # Billing complaints are worded from their own stream (``own``), so that the rest of the demo draws
    # exactly what it drew before truth 6 was told this way: the main stream's draws above are kept.
    own = np.random.default_rng([int(round(scale * 1000)), DOUBLE_CHARGE[1]])
    for i, r in enumerate(out):
        if r["category"] == "billing":
            r["text"] = _billing_text(own, T.DOUBLE_CHARGE_COMPLAINT if i >= regular else T.COMPLAINT["billing"])
    release = START + pd.Timedelta(weeks=DOUBLE_CHARGE[0]) + DOUBLE_CHARGE_RELEASE
    # app 4.2 shipped on the Tuesday of the first week: no double charge before it
    out = out[:regular] + [r for r in out[regular:] if r["received_at"] >= release]
    # every app user had 4.2 in the second week: more of its victims complained
    w = DOUBLE_CHARGE[1]
    others = [v for v in victims if v not in set(picked)]
    more = int(round((DOUBLE_CHARGE_COMPLAINTS[1] - DOUBLE_CHARGE_COMPLAINTS[0]) * scale))
    for cid in own.choice(others, size=min(len(others), more), replace=False):
        out.append(_complaint(own, cid, w, "billing") | {"text": _billing_text(own, T.DOUBLE_CHARGE_COMPLAINT)})
    c = pd.DataFrame(out).sort_values(["received_at", "customer_id"], ignore_index=True)
    c.insert(0, "complaint_id", [f"CP{i + 1:04d}" for i in range(len(c))])
    return c


def _recoveries(rng, orders, cust, victims, silent, scale: float) -> pd.DataFrame:
    rows = []
    north_late = orders[(orders["delivery_partner"] == "ParcelNow")]
    plan = {"billing": (int(60 * scale), victims), "delivery": (int(40 * scale), north_late["customer_id"].unique()),
            "damage": (int(30 * scale), orders["customer_id"].unique()), "wrong_item": (int(20 * scale), orders["customer_id"].unique())}
    for kind, (n, pool) in plan.items():
        whats, actions, learnings = T.RECOVERY[kind]
        for i in range(n):
            cid = pool[int(rng.integers(len(pool)))] if kind != "billing" else pool[i % len(pool)]
            if kind == "billing":
                at = START + pd.Timedelta(weeks=DOUBLE_CHARGE[0]) + pd.Timedelta(minutes=int(rng.integers(0, 14 * 1440)))
                cost, fixed = float(rng.choice([29.0, 45.0, 79.0, 119.0])) + 10.0, pd.Timestamp("2026-08-24 10:00")
            elif kind == "delivery":
                at = START + pd.Timedelta(weeks=BAD_NORTH[0]) + pd.Timedelta(minutes=int(rng.integers(0, 8 * 7 * 1440)))
                cost, fixed = 15.0 + float(rng.choice([6.5, 8.0, 9.9])), pd.Timestamp("2026-07-06 09:00")
            else:
                at = START + pd.Timedelta(minutes=int(rng.integers(0, N_WEEKS * 7 * 1440)))
                cost = float(rng.choice([19.0, 35.0, 69.0, 189.0])) if kind == "damage" else 11.0
                fixed = pd.Timestamp("2026-10-05 09:00") if kind == "damage" and at < pd.Timestamp("2026-10-05") else pd.NaT
            outcome = "churned" if cid in silent else str(rng.choice(["retained", "retained", "retained", "unknown", "churned"], p=[.3, .3, .2, .12, .08]))
            rows.append({"occurred_at": at, "customer_id": cid, "what_failed": T.say(rng, whats, typo=0.03),
                         "compensating_action": T.say(rng, actions, typo=0), "cost": round(cost, 2), "outcome": outcome,
                         "learning": T.say(rng, learnings, typo=0.03), "fixed_at": fixed})
    r = pd.DataFrame(rows).sort_values(["occurred_at", "customer_id"], ignore_index=True)
    r.insert(0, "incident_id", [f"INC{i + 1:03d}" for i in range(len(r))])
    return r


ACTIONS = [
    ("A01", "2026-01-12", "Head of Support", "csat", None, "slow replies", "Weekend rota for chat", "2026-02-01", "done", "2026-01-30"),
    ("A02", "2026-05-25", "Ops lead", "nps", "region=North", "late delivery", "Daily escalation call with ParcelNow", "2026-06-05", "dropped", "2026-06-20"),
    ("A03", "2026-07-01", "COO", "nps", "region=North", "late delivery", "New delivery partner SLA: tracking feed and late-delivery penalty", "2026-07-06", "done", "2026-07-06"),
    ("A04", "2026-08-19", "CTO", "complaints", None, "double charge", "Idempotent payment retries (idempotency key) in app 4.2.1", "2026-08-24", "done", "2026-08-24"),
    ("A05", "2026-09-14", "Team B lead", "csat", "team=B", "rigid returns", "Returns: agents may approve exceptions up to €50", "2026-10-31", "open", None),
    ("A06", "2026-10-19", "Product", "nps", "channel=app", "login loop", "Fix login loop for new app users", "2026-12-01", "open", None),
]
ACTION_COLUMNS = ["action_id", "opened_at", "owner", "metric", "segment", "theme", "description", "due", "status", "closed_at"]

CODEBOOK = [
    {"code": "service", "parent": None, "definition": "How the support team treats the customer.",
     "include": "replies, tone, flexibility", "exclude": "the products themselves",
     "keywords": ["customer service", "support", "agent"]},
    {"code": "app", "parent": None, "definition": "The mobile app.", "include": "the app, updates, crashes",
     "exclude": "the website", "keywords": ["app"]},
    {"code": "product", "parent": None, "definition": "The products: what they are, how they are made, what they cost.",
     "include": "materials, prices", "exclude": "delivery", "keywords": ["product"]},
    {"code": "relationship", "parent": None, "definition": "The personal relationship with the company.",
     "include": "being known, loyalty", "exclude": "", "keywords": ["loyal", "years"]},
    {"code": "delivery", "parent": None, "definition": "Anything about getting the order to the customer.",
     "include": "delivery speed, couriers, tracking", "exclude": "returns", "keywords": ["delivery", "courier", "parcel"]},
    {"code": "delivery-communication", "parent": "delivery", "definition": "Not being told where an order is or that it is late.",
     "include": "tracking that does not update, no e-mail about a delay", "exclude": "late delivery that was announced",
     "keywords": ["tracking", "updates", "nobody told", "no email", "not knowing", "silence"],
     "need": "to be told when my order is late and when it will come", "so_that": "I can plan my day"},
    {"code": "late-delivery", "parent": "delivery", "definition": "An order arriving after the promised date.",
     "include": "late, a week late, never came", "exclude": "", "keywords": ["late", "week late", "never came", "ten days"]},
    {"code": "rigid-returns", "parent": "service", "definition": "A return refused by rule, without flexibility.",
     "include": "'that's our policy', 'nothing I can do', no exceptions", "exclude": "returns that were accepted",
     "keywords": ["policy", "nothing I can do", "no exceptions", "rules are rules", "doesn't allow", "rigid", "past the window"],
     "need": "agents who can make a sensible exception", "so_that": "a small problem doesn't end my loyalty"},
    {"code": "app-login-loop", "parent": "app", "definition": "Cannot log in to the app; sent back to the start screen.",
     "include": "login loop, code never works, logged out", "exclude": "website login",
     "keywords": ["log in", "login", "logging me out", "code screen", "signing in", "start screen"],
     "need": "to log in to the app the first time I try", "so_that": "I can order where I prefer"},
    {"code": "product-quality", "parent": "product", "definition": "Praise for how the products are made and last.",
     "include": "well made, lasts, beautiful materials", "exclude": "complaints about broken items",
     "keywords": ["quality", "well made", "solid", "beautiful", "lovely", "last"]},
    {"code": "founder-touch", "parent": "relationship", "definition": "Remembering the founder's personal attention.",
     "include": "handwritten card, the founder called, knew my name", "exclude": "",
     "keywords": ["founder", "handwritten", "personally", "called me", "knew my name", "personal touch"],
     "need": "to feel known as a person", "so_that": "I stay loyal as you grow"},
    {"code": "billing", "parent": None, "definition": "Payments and charges.", "include": "double charge, refunds",
     "exclude": "", "keywords": ["charged", "payment", "refund", "card"]},
    {"code": "price", "parent": "product", "definition": "Price and fees.", "include": "expensive, delivery fee",
     "exclude": "", "keywords": ["price", "expensive", "pricey", "fee"]},
]


# --------------------------------------------------------------------------- assembly


def _plant_early_silence(rng, cust, orders):
    """Six early North customers lose a ParcelNow parcel, six early customers are double-charged; all go silent."""
    early = cust.head(100)
    north = early[early["region"] == "North"]["customer_id"].to_numpy()
    silent_delivery = list(rng.choice(north, size=min(6, len(north)), replace=False))
    rest = early[~early["customer_id"].isin(silent_delivery)]["customer_id"].to_numpy()
    silent_billing = list(rng.choice(rest, size=6, replace=False))
    added, cut = [], {}
    for cid in silent_delivery:
        at = START + pd.Timedelta(weeks=BAD_NORTH[0] + 1, days=int(rng.integers(0, 5)), hours=int(rng.integers(9, 20)))
        added.append({"customer_id": cid, "ordered_at": at, "amount": 189.0, "product_id": "P013",
                      "delivery_partner": "ParcelNow", "delivered_at": pd.NaT})
        cut[cid] = at
    for cid in silent_billing:
        at = START + pd.Timedelta(weeks=DOUBLE_CHARGE[0], days=int(rng.integers(0, 5)), hours=int(rng.integers(9, 20)))
        added.append({"customer_id": cid, "ordered_at": at, "amount": 119.0, "product_id": "P002",
                      "delivery_partner": "Swiftline", "delivered_at": at + pd.Timedelta(days=2)})
        cut[cid] = at
    loyal = [c for c in early["customer_id"] if c not in cut]
    for cid in loyal:  # the other early customers are still buying
        at = END - pd.Timedelta(days=int(rng.integers(3, 40)), hours=int(rng.integers(1, 12)))
        region = cust.set_index("customer_id").at[cid, "region"]
        added.append({"customer_id": cid, "ordered_at": at, "amount": 59.0, "product_id": "P003",
                      "delivery_partner": "Northway Express" if region == "North" else "Swiftline",
                      "delivered_at": at + pd.Timedelta(days=2) if at + pd.Timedelta(days=2) < END else pd.NaT})
    keep = ~orders.apply(lambda r: r["customer_id"] in cut and r["ordered_at"] >= cut[r["customer_id"]], axis=1)
    o = pd.concat([orders[keep].drop(columns="order_id"), pd.DataFrame(added)], ignore_index=True)
    o = o.sort_values(["ordered_at", "customer_id"], ignore_index=True)
    o.insert(0, "order_id", [f"O{i + 1:06d}" for i in range(len(o))])
    return o, silent_delivery, silent_billing


def _victims(rng, cust, orders, silent_billing, scale):
    w = _week_of(orders["ordered_at"])
    app = set(cust.loc[cust["channel"] == "app", "customer_id"])
    pool = sorted(set(orders.loc[_in(w, DOUBLE_CHARGE), "customer_id"]) & app - set(silent_billing))
    extra = list(rng.choice(pool, size=max(0, int(70 * scale) - len(silent_billing)), replace=False))
    return list(silent_billing) + extra


def _ticket_specials(rng, cust, victims):
    specials = []
    for cid in victims[: max(1, int(len(victims) * 0.8))]:
        at = START + pd.Timedelta(weeks=DOUBLE_CHARGE[0]) + pd.Timedelta(minutes=int(rng.integers(0, 14 * 1440)))
        specials.append((cid, at, "billing"))
    newcomers = cust[(cust["channel"] == "app") & (cust["first_seen"] >= START)]
    for cid, fs in zip(newcomers["customer_id"], newcomers["first_seen"], strict=True):
        if rng.random() < 0.1:
            specials.append((cid, fs + pd.Timedelta(minutes=int(rng.integers(30, 6 * 1440))), "login"))
    return specials


def _truth(scale: float, counts: dict, coders: dict, round_changes: list[dict]) -> dict:
    return {"company": "Hearthly", "weeks": list(DEMO_WEEKS), "seed_note": "make_demo(seed=0, scale=1.0)", "scale": scale,
            "counts": counts, "truths": [
        {"id": 1, "what": "North delivery partner switch: late deliveries, no tracking", "region": "North",
         "weeks": ["2026-W20", "2026-W27"], "recovered_from": "2026-W28",
         "nps_detractor_share": {"baseline": 0.18, "during": 0.38}, "delivery_complaints_multiplier": 3,
         "review_stars": {"baseline": 4.17, "during": 3.66}, "action": "A03", "partner_during": "ParcelNow"},
        {"id": 2, "what": "South is stable all year", "region": "South", "nps_detractor_share": 0.18, "nps_promoter_share": 0.50},
        {"id": 3, "what": "Monday-morning wave", "weekday": "Monday", "hours": [8, 11], "volume_multiplier": 3.2,
         "first_response_multiplier": 3.0, "first_response_median_minutes_elsewhere": 35},
        {"id": 4, "what": "Team B rigid refusals, team C empathy", "rigid_rate_returns": {"A": 0.08, "B": 0.55, "C": 0.06},
         "rigid_rate_other": {"A": 0.012, "B": 0.07, "C": 0.01}, "empathy_rate": {"A": 0.35, "B": 0.2, "C": 0.75},
         "csat": "team B lower (latent -0.35, and more rigid refusals at -0.9 each)"},
        {"id": 5, "what": "Plans stated in ~40 % of conversations; higher CSAT", "plan_share": 0.40, "csat_latent_effect": 0.45},
        {"id": 6, "what": "App 4.2 double-charges card payments", "weeks": ["2026-W33", "2026-W34"], "fixed_at": "2026-08-24",
         "released": str((iso_week_start("2026-W33") + DOUBLE_CHARGE_RELEASE).strftime("%Y-%m-%d %H:%M")),
         "rollout": "a staged share of app users from the release, every app user in W34",
         "complaints_per_full_week": dict(zip(["2026-W33", "2026-W34"], DOUBLE_CHARGE_COMPLAINTS, strict=True)),
         "themes": "new in W33, rising in W34 (two wordings, both saying 'charged twice')",
         "complaint_category": "billing", "recovery_learning": "retry created a second charge", "action": "A04"},
        {"id": 7, "what": "Staff eNPS dips in Q3", "pulses": list(ENPS_PULSES), "dip": "2026-09-09",
         "detractor_share": {"usual": 0.15, "q3": 0.45}, "promoter_share": {"usual": 0.45, "q3": 0.22}},
        {"id": 8, "what": "Floor lamp with 9 reviews, mostly 1-2 stars", "product_id": T.LAMP, "product_name": "Arden floor lamp",
         "reviews": 9, "ratings": [r for r, _ in T.LAMP_REVIEWS]},
        {"id": 9, "what": "PMF: very disappointed share", "week": "2026-W40", "very_disappointed": {"Plus": 0.52, "Standard": 0.32, "overall_approx": 0.38}},
        {"id": 10, "what": "Early customers gone silent after a failure", "first_n": 100,
         "silent_after_failed_delivery": counts.pop("_silent_delivery"), "silent_after_double_charge": counts.pop("_silent_billing")},
        {"id": 11, "what": "Interview themes", "themes": {
            "delivery-communication": ["P01", "P04", "P07", "P10"], "rigid-returns": ["P02", "P05", "P08", "P11"],
            "app-login-loop": ["P03", "P06", "P09", "P12"], "product-quality": ["P01", "P02", "P05", "P06", "P09"],
            "founder-touch": ["P03", "P07", "P11", "P12"]}, "pii": {"email": ["P04", "P10"], "phone": ["P08", "P12"]}},
        {"id": 12, "what": "Segments with different journeys", "plus_order_weight": 2.6,
         "plus_detractor_delivery_comment_boost": 0.15, "app_newcomer_login_ticket_share_first_week": 0.10},
        {"id": 13, "what": "Two researchers coded the interviews; the codebook changed between rounds", **coders,
         "codebook_rounds": {"previous": "codebook-round-1.yml", "current": "codebook.yml", "changes": round_changes}},
    ]}


def make_demo(out_dir: str | Path, seed: int = 0, scale: float = 1.0) -> Path:
    """Write the Hearthly demo workspace into ``out_dir`` and return its path.

    ``scale`` multiplies the sizes (1.0: ~20,000 customers, ~60,000 orders, ~8,000
    tickets); the planted truths keep their shape at any scale.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created when missing; files of the same name are overwritten).
    seed : int
        Seed of the one random generator; same seed and scale, same files.
    scale : float
        Size multiplier, in (0, 5].

    Returns
    -------
    Path
        ``out_dir``, now holding the tables (``customers.csv, responses.csv, tickets.csv,
        reviews.csv, complaints.csv, recoveries.csv, actions.csv, participants.csv,
        orders.parquet, messages.parquet``), ``interviews/``, ``codebook.yml`` and ``TRUTH.yml``.
    """
    if not 0 < scale <= 5:
        from carelib.errors import ParameterError

        raise ParameterError(f"scale must be in (0, 5], got {scale!r}")
    from carelib.demo import support as S

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cust = _customers(rng, max(200, int(20_000 * scale)))
    orders = _orders(rng, cust, int(60_000 * scale))
    orders, silent_delivery, silent_billing = _plant_early_silence(rng, cust, orders)
    victims = _victims(rng, cust, orders, silent_billing, scale)
    info = cust.set_index("customer_id")
    tickets, messages = S.tickets_and_messages(rng, cust, orders, START, END, int(8_000 * scale), _ticket_specials(rng, cust, victims))
    responses = pd.concat([
        _nps(rng, orders, cust, int(6_000 * scale), set(victims)), _enps(rng),
        S.csat_ces(rng, tickets, messages, info, int(3_000 * scale), int(800 * scale)), _pmf(rng, cust, orders, int(400 * max(scale, 0.25))),
    ], ignore_index=True)
    responses["submitted_at"] = pd.to_datetime(responses["submitted_at"]).dt.floor("s")
    responses = responses[responses["submitted_at"] < END].sort_values(["submitted_at", "survey"], kind="stable", ignore_index=True)
    responses.insert(0, "response_id", [f"R{i + 1:05d}" for i in range(len(responses))])
    responses["score"] = responses["score"].astype("Int64")
    reviews = _reviews(rng, orders, cust, int(2_500 * scale))
    complaints = _complaints(rng, orders, cust, victims, scale)
    recoveries = _recoveries(rng, orders, cust, victims, set(silent_delivery) | set(silent_billing), scale)
    actions = pd.DataFrame(ACTIONS, columns=ACTION_COLUMNS)
    early = cust["customer_id"].head(100)
    participants = write_interviews(out, rng, list(early[~early.isin(silent_delivery + silent_billing)]), cust)
    tables = {
        "customers.csv": cust, "responses.csv": responses, "tickets.csv": tickets.drop(columns=[c for c in tickets if c.startswith("_")]),
        "reviews.csv": reviews, "complaints.csv": complaints, "recoveries.csv": recoveries, "actions.csv": actions,
        "participants.csv": participants,
    }
    for name, frame in tables.items():
        frame.to_csv(out / name, index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    orders.to_parquet(out / "orders.parquet", index=False)
    messages.to_parquet(out / "messages.parquet", index=False)
    (out / "codebook.yml").write_text(
        "# Hearthly interview codebook (demo). Fields: code, parent, definition, include, exclude, keywords;\n"
        "# need/so_that feed user stories.\n" + yaml.safe_dump(CODEBOOK, sort_keys=False, allow_unicode=True), encoding="utf-8")
    round_1, round_changes = first_round_codebook(CODEBOOK)
    (out / "codebook-round-1.yml").write_text(
        "# Hearthly interview codebook of the first interview round (demo); codebook.yml is the current one.\n"
        + yaml.safe_dump(round_1, sort_keys=False, allow_unicode=True), encoding="utf-8")
    coders = write_codings(out, participants, seed)
    counts = {k.split(".")[0]: len(v) for k, v in {**tables, "orders.parquet": orders, "messages.parquet": messages}.items()}
    counts.update({"_silent_delivery": sorted(silent_delivery), "_silent_billing": sorted(silent_billing)})
    (out / "TRUTH.yml").write_text(
        "# The truths planted in this workspace by carelib.demo.workspace.make_demo (see docs/demo-story.md).\n"
        + yaml.safe_dump(_truth(scale, counts, coders, round_changes), sort_keys=False, allow_unicode=True),
        encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carelib.demo.workspace", description="Write the Hearthly demo workspace.")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    print(make_demo(args.out_dir, seed=args.seed, scale=args.scale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
