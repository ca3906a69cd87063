"""The high-touch list: who to contact personally this week, and why.

At launch a founder calls customers one by one. At scale someone still should — the
question is whom. Three rules, each a reason a person (not a process) should reach out:

1. **Detractor with an open issue** — an NPS answer of 0–6 in the window and a ticket that
   is still open (or was closed only after ``as_of``).
2. **High-value customer who hit a failure** — spend over the last 365 days in the top
   ``1 − high_value_quantile`` of customers, and a recovery incident or a complaint in the window.
3. **Early customer who went silent** — among the first ``first_n`` customers, no order for
   ``silent_days`` and a failure (recovery incident, complaint or undelivered order) before
   the silence.

A customer matching several rules appears once, with every reason; priority orders by the
number of reasons, then by value. Evidence is short, redacted text (``redact`` callable;
by default :class:`carelib.text.redact.Redactor` of the customer roster), so the CSV a founder
works through never carries a name, an e-mail, a phone number or a handle.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from carelib.errors import ParameterError
from carelib.scales import PASSIVE

__all__ = ["high_touch_list", "HIGH_TOUCH_COLUMNS"]

HIGH_TOUCH_COLUMNS = ["priority", "customer_id", "reasons", "evidence", "value_12m", "first_seen", "last_order",
                      "region", "plan"]


def _default_redact(customers: pd.DataFrame) -> Callable[[str], str]:
    from carelib.text.redact import Redactor

    names = customers["name"].dropna() if "name" in customers else None
    return Redactor(names).redact


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


def _short(text: object, n: int = 140) -> str:
    s = "" if text is None or (isinstance(text, float) and np.isnan(text)) else " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def high_touch_list(
    customers: pd.DataFrame,
    *,
    responses: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    orders: pd.DataFrame | None = None,
    recoveries: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    window_days: int = 28,
    first_n: int = 100,
    silent_days: int = 60,
    high_value_quantile: float = 0.9,
    redact: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Customers to contact personally, each with reasons and evidence.

    Parameters
    ----------
    customers : DataFrame
        The ``customers`` table (``customer_id``, ``first_seen``; ``region``/``plan`` shown if present).
    responses, tickets, orders, recoveries, complaints : DataFrame, optional
        Workspace tables; a rule whose tables are missing is skipped.
    as_of : str or Timestamp, optional
        The day the list is for; default the latest timestamp in the given tables.
    window_days : int
        How far back "this period" reaches for detractors, failures and complaints.
    first_n : int
        How many of the earliest customers count as early customers.
    silent_days : int
        Days without an order after which an early customer counts as silent.
    high_value_quantile : float
        Spend quantile (last 365 days) from which a customer is high-value.
    redact : callable, optional
        Applied to every piece of customer text in ``evidence`` before it is shortened;
        default a :class:`carelib.text.redact.Redactor` of the customers' ``name`` column
        (names become pseudonyms) and of the patterns (e-mail, phone, card, IBAN ...).

    Returns
    -------
    DataFrame
        Columns ``HIGH_TOUCH_COLUMNS``, one row per customer, priority 1 first.
    """
    if not 0 < high_value_quantile < 1:
        raise ParameterError(f"high_value_quantile must be between 0 and 1, got {high_value_quantile!r}")
    for name, v in (("window_days", window_days), ("first_n", first_n), ("silent_days", silent_days)):
        if not isinstance(v, int) or v < 1:
            raise ParameterError(f"{name} must be a positive integer, got {v!r}")
    redact = redact or _default_redact(customers)
    as_of = pd.Timestamp(as_of) if as_of is not None else _latest(responses, tickets, orders, recoveries, complaints)
    since = as_of - pd.Timedelta(days=window_days)
    found: list[tuple[str, str, str]] = []  # customer, reason, evidence

    if responses is not None and tickets is not None:
        found += _detractors_open(responses, tickets, since, as_of, redact)
    value = _value_12m(orders, as_of) if orders is not None else pd.Series(dtype=float)
    failures = _failures(recoveries, complaints, orders, redact)
    if len(value) and len(failures):
        threshold = value.quantile(high_value_quantile)
        recent = failures[(failures["at"] > since) & (failures["at"] <= as_of)]
        for cid, g in recent[recent["customer_id"].map(value).fillna(0) >= threshold].groupby("customer_id", sort=True):
            found.append((cid, "high-value customer hit a failure",
                          f"spent €{value[cid]:,.0f} in 12 months; " + "; ".join(g.sort_values("at")["what"].head(2))))
    if orders is not None:
        found += _early_silent(customers, orders, failures, as_of, first_n, silent_days)
    return _assemble(found, customers, value, orders)


def _latest(*tables: pd.DataFrame | None) -> pd.Timestamp:
    latest = pd.NaT
    for t in tables:
        if t is None:
            continue
        for c in ("submitted_at", "created_at", "ordered_at", "occurred_at", "received_at", "closed_at"):
            if c in t:
                m = _ts(t[c]).max()
                latest = m if pd.isna(latest) or (pd.notna(m) and m > latest) else latest
    if pd.isna(latest):
        raise ParameterError("as_of not given and no timestamps in the tables to infer it from")
    return latest


def _detractors_open(responses, tickets, since, as_of, redact) -> list[tuple[str, str, str]]:
    r = responses[(responses["survey"] == "nps") & responses["customer_id"].notna()].copy()
    r["at"] = _ts(r["submitted_at"])
    score = pd.to_numeric(r["score"], errors="coerce")
    det = r[(score < PASSIVE) & (r["at"] > since) & (r["at"] <= as_of)]
    t = tickets[tickets["customer_id"].notna()].copy()
    closed = _ts(t["closed_at"])
    still_open = (t["status"].astype(str) != "closed") | closed.isna() | (closed > as_of)
    t = t[still_open & (_ts(t["created_at"]) <= as_of)]
    out = []
    for cid, g in det.sort_values("at").groupby("customer_id", sort=True):
        open_t = t[t["customer_id"] == cid]
        if open_t.empty:
            continue
        last = g.iloc[-1]
        comment = _short(redact(str(last["comment"]))) if "comment" in g and pd.notna(last.get("comment")) else "no comment"
        tids = ", ".join(open_t["ticket_id"].astype(str).head(3))
        out.append((cid, "detractor with an open issue", f"NPS {int(pd.to_numeric(last['score']))}: “{comment}”; open ticket {tids}"))
    return out


def _value_12m(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    at = _ts(orders["ordered_at"])
    recent = orders[(at > as_of - pd.Timedelta(days=365)) & (at <= as_of)]
    return pd.to_numeric(recent["amount"], errors="coerce").groupby(recent["customer_id"]).sum()


def _failures(recoveries, complaints, orders, redact) -> pd.DataFrame:
    parts = []
    if recoveries is not None and len(recoveries):
        parts.append(pd.DataFrame({"customer_id": recoveries["customer_id"], "at": _ts(recoveries["occurred_at"]),
                                   "what": recoveries["what_failed"].map(lambda s: "incident: " + _short(redact(str(s)), 80))}))
    if complaints is not None and len(complaints):
        parts.append(pd.DataFrame({"customer_id": complaints["customer_id"], "at": _ts(complaints["received_at"]),
                                   "what": "complaint (" + complaints["category"].astype(str) + ")"}))
    if orders is not None and "delivered_at" in orders:
        at = _ts(orders["ordered_at"])
        undelivered = orders[_ts(orders["delivered_at"]).isna() & (at < at.max() - pd.Timedelta(days=14))]
        parts.append(pd.DataFrame({"customer_id": undelivered["customer_id"], "at": _ts(undelivered["ordered_at"]),
                                   "what": "order " + undelivered["order_id"].astype(str) + " never delivered"}))
    if not parts:
        return pd.DataFrame(columns=["customer_id", "at", "what"])
    f = pd.concat(parts, ignore_index=True)
    return f[f["customer_id"].notna()].sort_values(["customer_id", "at"], ignore_index=True)


def _early_silent(customers, orders, failures, as_of, first_n, silent_days) -> list[tuple[str, str, str]]:
    c = customers.assign(_fs=_ts(customers["first_seen"])).sort_values(["_fs", "customer_id"]).head(first_n)
    at = _ts(orders["ordered_at"])
    last = at[at <= as_of].groupby(orders["customer_id"]).max()
    out = []
    for cid in c["customer_id"]:
        lo = last.get(cid, pd.NaT)
        if pd.notna(lo) and (as_of - lo).days < silent_days:
            continue
        before = failures[(failures["customer_id"] == cid) & (failures["at"] <= (lo if pd.notna(lo) else as_of) + pd.Timedelta(days=30))]
        if before.empty:
            continue
        since = f"no order since {lo:%Y-%m-%d}" if pd.notna(lo) else "never ordered"
        out.append((cid, "early customer went silent", f"{since}, after: " + "; ".join(before["what"].tail(2))))
    return out


def _assemble(found, customers, value, orders) -> pd.DataFrame:
    if not found:
        return pd.DataFrame(columns=HIGH_TOUCH_COLUMNS)
    f = pd.DataFrame(found, columns=["customer_id", "reason", "evidence"])
    g = f.groupby("customer_id", sort=True).agg(reasons=("reason", " + ".join), evidence=("evidence", " | ".join),
                                                  n=("reason", "size"))
    info = customers.set_index("customer_id")
    g["value_12m"] = value.reindex(g.index).fillna(0.0).round(2)
    g["first_seen"] = _ts(info["first_seen"]).reindex(g.index).dt.date
    if orders is not None:
        g["last_order"] = _ts(orders["ordered_at"]).groupby(orders["customer_id"]).max().reindex(g.index).dt.date
    else:
        g["last_order"] = pd.NaT
    for col in ("region", "plan"):
        g[col] = info[col].reindex(g.index) if col in info else None
    g = g.reset_index().sort_values(["n", "value_12m", "customer_id"], ascending=[False, False, True], ignore_index=True)
    g["priority"] = np.arange(1, len(g) + 1)
    return g[HIGH_TOUCH_COLUMNS]
