"""The brief: the one page a playbook report opens with, and what changed since the last run.

The brief answers a Monday-morning reader in one printed A4 page:

1. the verdict: are we better or worse than the weeks before, and where (the headline
   numbers that moved beyond their noise);
2. the case: one real customer, in their (redacted) words;
3. what matters this week: 3 to 7 findings in plain sentences, each with its interval and
   whether it is a signal or noise;
4. what changed since the last run: headline numbers beside the last run's, signals new
   and cleared, themes that appeared or faded, segments newly below the rest, actions
   closed; a first run says so;
5. the actions due: owner, due date, status (overdue marked).

Every function here takes findings as published by notebooks
(:func:`carelib.report.findings.finding`: ``key, label, value, text, kind`` and, for
headline numbers, ``ci``, ``unit``, ``change``, ``p_value``, ``signal``) and returns
escaped HTML; :func:`carelib.report.html.render_report` sanitises it with the rest.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["verdict", "sentence", "pick", "what_changed", "headline_changes", "actions_due", "render_brief", "numbers", "DONE_STATUSES"]

#: Action statuses that mean the action is finished (``actions.csv``'s ``status``).
DONE_STATUSES = frozenset({"done", "closed", "dropped", "cancelled", "canceled", "complete", "completed", "resolved"})
MAX_FINDINGS = 7
MIN_FINDINGS = 3


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=False)


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def _parts(f: dict[str, Any], v: float) -> tuple[str, str]:
    """The number and its unit suffix (``"72.6", " %"``; ``"6.0", " per 1,000"``)."""
    unit = f.get("unit")
    if unit == "share":
        return f"{100 * v:.1f}", " %"
    text = f"{v:,.1f}".replace("-", "−")
    return text, "" if unit in ("points", None, "") else f" {unit}"


def _scaled(f: dict[str, Any], v: float) -> str:
    return "".join(_parts(f, v))


def is_signal(f: dict[str, Any]) -> bool:
    """A finding that moved beyond its noise: a control-chart or test signal, or a ``signal`` kind.

    Examples
    --------
    >>> is_signal({"kind": "metric", "signal": "rule 1 in 2026-W47"}), is_signal({"kind": "metric", "note": "n = 3"})
    (True, False)
    >>> is_signal({"kind": "metric", "significant": False, "signal": ""})
    False
    """
    if f.get("kind") == "signal":
        return True
    return bool(f.get("significant")) or bool(f.get("signal"))  # a significant change or a control-chart rule


def _tested(f: dict[str, Any]) -> bool:
    """A number compared with something: a p-value, or a control-chart verdict (undated data has neither)."""
    return _num(f.get("p_value")) is not None or bool(f.get("signal"))


def sentence(f: dict[str, Any]) -> str:
    """One finding as a plain sentence (HTML): what, how much with its interval, and signal or noise.

    Examples
    --------
    >>> s = sentence({"key": "headline.nps", "label": "NPS", "value": 31.0, "ci": [28.0, 34.0], "unit": "points",
    ...               "change": -4.2, "p_value": 0.01, "signal": "down, significant", "kind": "metric"})
    >>> "NPS</strong> is 31.0" in s and "28.0–34.0" in s and "4.2 lower" in s and "signal" in s
    True
    """
    label, value = str(f.get("label") or f.get("key")), _num(f.get("value"))
    ci = f.get("ci") or []
    lo, hi = (_num(ci[0]), _num(ci[1])) if len(ci) == 2 else (None, None)
    if f.get("kind") in ("metric", None) and value is not None and "unit" in f:
        said = f"<strong>{_esc(label)}</strong> is {_esc(_scaled(f, value))}"
        if lo is not None and hi is not None:
            said += f" (interval {_esc(_parts(f, lo)[0])}–{_esc(_scaled(f, hi))})"
        change, p = _num(f.get("change")), _num(f.get("p_value"))
        if change is not None:
            size = _scaled(f, abs(change)) if f.get("unit") != "share" else f"{100 * abs(change):.1f} points"
            direction = "higher" if change > 0 else "lower" if change < 0 else "the same"
            said += f", {_esc(size)} {direction} than {_esc(f.get('comparison') or 'the weeks before')}"
            if p is not None:
                said += f" (p = {p:.3f})" if p >= 0.001 else " (p < 0.001)"
        said += "."
    else:
        text = str(f.get("text") or "")
        said = f"<strong>{_esc(label)}</strong>: {_esc(text)}" + ("" if text.endswith(".") else ".")
    tested = _tested(f)  # only a number that was compared can be called noise
    tag = ('<span class="tag signal">signal</span>' if is_signal(f)
           else '<span class="tag noise">within noise</span>' if tested else "")
    return said + (" " + tag if tag else "")


def pick(findings: list[dict[str, Any]], *, most: int = MAX_FINDINGS, least: int = MIN_FINDINGS) -> list[dict[str, Any]]:
    """The findings that matter this week: signals first (in the order given), then headline numbers.

    Between ``least`` and ``most`` findings when there are that many; the case is never one
    of them (it has its own place).

    Parameters
    ----------
    findings : list of dict
        The run's findings, lead findings first.
    most, least : int
        At most ``most`` findings; fewer than ``least`` signals and headline numbers are topped up
        with the next findings.

    Returns
    -------
    list of dict
        The chosen findings, in order.

    Examples
    --------
    >>> fs = [{"key": "case", "kind": "case"}, {"key": "headline.a", "kind": "metric"},
    ...       {"key": "segment.x", "kind": "signal"}, {"key": "theme.t", "kind": "theme"}]
    >>> [f["key"] for f in pick(fs)]
    ['segment.x', 'headline.a', 'theme.t']
    """
    usable = [f for f in findings if f.get("kind") != "case"]
    signals = [f for f in usable if is_signal(f)]
    headlines = [f for f in usable if f not in signals and str(f.get("key", "")).startswith("headline.")]
    rest = [f for f in usable if f not in signals and f not in headlines]
    chosen = (signals + headlines)[:most]
    if len(chosen) < least:
        chosen += rest[: least - len(chosen)]
    return chosen


def verdict(findings: list[dict[str, Any]]) -> str:
    """One sentence: better or worse than the weeks compared with, and where (plain text).

    Examples
    --------
    >>> verdict([{"key": "headline.nps", "label": "NPS", "kind": "metric", "change": -5.0, "signal": "WE1 in 2026-W47"},
    ...          {"key": "headline.csat", "label": "CSAT", "kind": "metric", "change": 0.01, "signal": ""}])
    'Worse: NPS moved beyond its noise (down, control-chart rule WE1 in 2026-W47); 1 other headline number did not.'
    """
    heads = [f for f in findings if str(f.get("key", "")).startswith("headline.")]
    if not heads:
        return "No headline number this run: see the sections below."
    moved = [f for f in heads if is_signal(f)]
    if not moved and not any(_tested(f) for f in heads):
        return ("No comparison: the data has no earlier period to compare with, so no number can be called a "
                "change or noise.")
    if not moved:
        return (f"No change beyond noise: all {len(heads)} headline numbers are within what the weeks before "
                "would give by chance.")
    better = [f for f in moved if _good_direction(f) is True]
    worse = [f for f in moved if _good_direction(f) is False]
    word = "Worse" if worse and not better else "Better" if better and not worse else "Mixed" if moved else ""
    what = "; ".join(f"{f.get('label')} moved beyond its noise ({_direction(f)})" for f in moved)
    others = len(heads) - len(moved)
    tail = f"; {others} other headline number{'s' if others != 1 else ''} did not." if others else "."
    return f"{word}: {what}{tail}"


_LOWER_IS_BETTER = ("complaint", "first_response", "resolution", "wait", "minutes", "per_1000", "per_week",
                    "detractor")


def _good_direction(f: dict[str, Any]) -> bool | None:
    change = _num(f.get("change"))
    if change is None or change == 0:
        said = str(f.get("signal") or f.get("note") or "").lower()
        if "up" in said or "above" in said:
            change = 1.0
        elif "down" in said or "below" in said:
            change = -1.0
        else:
            return None
    lower_better = any(w in str(f.get("key", "")).lower() for w in _LOWER_IS_BETTER)
    return (change < 0) if lower_better else (change > 0)


def _direction(f: dict[str, Any]) -> str:
    change = _num(f.get("change"))
    said = ["up" if change and change > 0 else "down" if change and change < 0 else ""]
    rule = str(f.get("signal") or (f.get("note") if "signal" not in f else "") or "").strip()
    if rule:
        said.append(f"control-chart rule {rule}")
    p = _num(f.get("p_value"))
    if f.get("significant") and p is not None:
        said.append("a significant change, " + ("p < 0.001" if p < 0.001 else f"p = {p:.3f}"))
    return ", ".join(x for x in said if x) or "changed"


def numbers(findings: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The run's numbers as stored in the run index: key → label, value, interval, unit, signal.

    Examples
    --------
    >>> numbers([{"key": "headline.nps", "label": "NPS", "value": 31.0, "ci": [28.0, 34.0], "unit": "points",
    ...           "kind": "metric"}])["headline.nps"]["ci"]
    [28.0, 34.0]
    """
    out = {}
    for f in findings:
        v = _num(f.get("value"))
        if v is None or f.get("kind") == "case":
            continue
        out[str(f["key"])] = {"label": f.get("label"), "value": v, "ci": f.get("ci"), "unit": f.get("unit"),
                              "kind": f.get("kind", "metric"), "signal": is_signal(f), "text": f.get("text")}
    return out


def what_changed(now: list[dict[str, Any]], before: list[dict[str, Any]] | None, *,
                 actions_now: pd.DataFrame | None = None, actions_before: dict[str, str] | None = None,
                 before_label: str = "the last run") -> list[str]:
    """What changed since the last run, as HTML list items (escaped); a first run says so.

    Parameters
    ----------
    now, before : list of dict
        This run's findings and the last good run's (``None``: there is none).
    actions_now : DataFrame, optional
        The workspace's actions (``action_id``, ``status`` ...).
    actions_before : dict of str to str, optional
        Action id → status at the last run.
    before_label : str
        How the last run is named (its period and run id).

    Returns
    -------
    list of str
        One ``<li>`` body each: headline numbers beside last run's, new and cleared signals,
        themes that appeared, grew or faded, segments newly below the rest, actions closed.

    Examples
    --------
    >>> what_changed([{"key": "headline.nps", "label": "NPS", "value": 30.0, "unit": "points", "kind": "metric"}], None)
    ['First run of this playbook: nothing to compare with yet. The next run shows what changed since this one.']
    """
    if before is None:
        return ["First run of this playbook: nothing to compare with yet. The next run shows what changed since "
                "this one."]
    items: list[str] = []
    old = {str(f.get("key")): f for f in before}
    new = {str(f.get("key")): f for f in now}
    heads = [k for k in new if k.startswith("headline.")]

    def signals(fs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {k: f for k, f in fs.items() if is_signal(f) and not k.startswith(("voc.emerging.", "segment."))}

    s_now, s_old = signals(new), signals(old)
    for k in s_now.keys() - s_old.keys():
        items.append(f"New signal: <strong>{_esc(s_now[k].get('label'))}</strong> — {_esc(s_now[k].get('text', ''))}")
    for k in s_old.keys() - s_now.keys():
        items.append(f"Cleared: {_esc(s_old[k].get('label'))} (a signal in {_esc(before_label)}, not now).")
    t_now, t_old = _prefixed(new, "voc.emerging."), _prefixed(old, "voc.emerging.")
    for k in sorted(t_now.keys() - t_old.keys()):
        items.append(f"Theme appeared or grew: <strong>{_esc(_theme(t_now[k], k))}</strong> — "
                     f"{_esc(t_now[k].get('text', ''))}")
    for k in sorted(t_now.keys() & t_old.keys()):
        a, b = _num(t_now[k].get("value")), _num(t_old[k].get("value"))
        if a is not None and b is not None and a > b:
            items.append(f"Theme still growing: <strong>{_esc(_theme(t_now[k], k))}</strong> "
                         f"(ratio {a:.1f}, was {b:.1f}).")
    for k in sorted(t_old.keys() - t_now.keys()):
        items.append(f"Theme faded: {_esc(_theme(t_old[k], k))} is no longer new or rising.")
    g_now, g_old = _prefixed(new, "segment."), _prefixed(old, "segment.")
    for k in sorted(g_now.keys() - g_old.keys()):
        items.append(f"Newly below the rest: <strong>{_esc(g_now[k].get('label'))}</strong> — "
                     f"{_esc(g_now[k].get('text', ''))}")
    for k in sorted(g_old.keys() - g_now.keys()):
        items.append(f"No longer below the rest: {_esc(g_old[k].get('label'))}.")
    if actions_now is not None and actions_before is not None and not actions_now.empty:
        closed = []
        for r in actions_now.itertuples():
            status = str(getattr(r, "status", "") or "").lower()
            was = str(actions_before.get(str(r.action_id), "")).lower()
            if status in DONE_STATUSES and was and was not in DONE_STATUSES:
                closed.append(f"{_esc(r.action_id)} {_esc(getattr(r, 'description', '') or '')} ({_esc(status)})")
        if closed:
            items.append("Actions closed: " + "; ".join(closed) + ".")
    if not items:
        items.append("No new or cleared signal, no theme or segment change" + (
            "; the headline numbers beside the last run's are in the table." if heads else "."))
    return items


def _theme(f: dict[str, Any], key: str) -> str:
    """A moved theme as people read it: its stable id and name (theme book), or the key's theme (older runs).

    Findings are matched between runs by key (``voc.emerging.T06``): the id is stable, the name may change.
    """
    ident = key.removeprefix("voc.emerging.")
    return f"{ident} {f['name']}" if f.get("name") else ident


def _prefixed(findings: dict[str, dict[str, Any]], prefix: str) -> dict[str, dict[str, Any]]:
    return {k: f for k, f in findings.items() if k.startswith(prefix)}


def headline_changes(now: list[dict[str, Any]], before: list[dict[str, Any]] | None) -> pd.DataFrame:
    """Each headline number beside the last run's: metric, now, last run, change (formatted text).

    Examples
    --------
    >>> headline_changes([{"key": "headline.csat", "label": "CSAT", "value": 0.726, "unit": "share"}],
    ...                  [{"key": "headline.csat", "label": "CSAT", "value": 0.734, "unit": "share"}]).iloc[0].tolist()
    ['CSAT', '72.6 %', '73.4 %', '−0.8 points']
    """
    cols = ["metric", "now", "last run", "change"]
    if before is None:
        return pd.DataFrame(columns=cols)
    old = {str(f.get("key")): f for f in before}
    rows = []
    for f in now:
        key = str(f.get("key", ""))
        v = _num(f.get("value"))
        if not key.startswith("headline.") or v is None:
            continue
        p = _num(old.get(key, {}).get("value"))
        if p is None:
            rows.append([f.get("label"), _scaled(f, v), "not in the last run", ""])
            continue
        delta = v - p
        step = f"{100 * delta:+.1f} points" if f.get("unit") == "share" else f"{delta:+,.1f}"
        rows.append([f.get("label"), _scaled(f, v), _scaled(f, p), step.replace("-", "−")])
    return pd.DataFrame(rows, columns=cols)


def actions_due(actions: pd.DataFrame | None, as_of: pd.Timestamp | None, *, most: int = 6) -> pd.DataFrame:
    """Open actions, the most urgent first: action, owner, due date, status (``overdue`` past ``as_of``).

    Parameters
    ----------
    actions : DataFrame, optional
        The workspace's ``actions.csv`` (``action_id``, ``owner``, ``description``, ``due``, ``status``).
    as_of : Timestamp, optional
        The end of the period under review: an open action due before it is ``overdue``.
    most : int
        Actions listed at most.

    Returns
    -------
    DataFrame
        ``action, owner, due, status``; empty when nothing is open.

    Examples
    --------
    >>> a = pd.DataFrame({"action_id": ["A1", "A2"], "owner": ["COO", "CTO"], "description": ["x", "y"],
    ...                   "due": ["2026-01-05", "2026-01-20"], "status": ["open", "done"]})
    >>> actions_due(a, pd.Timestamp("2026-01-10"))[["action", "status"]].to_dict("records")
    [{'action': 'A1 x', 'status': 'overdue'}]
    """
    cols = ["action", "owner", "due", "status"]
    if actions is None or actions.empty or "status" not in actions.columns:
        return pd.DataFrame(columns=cols)
    a = actions[~actions["status"].astype(str).str.lower().isin(DONE_STATUSES)].copy()
    due = pd.to_datetime(a.get("due", pd.Series(pd.NaT, index=a.index)), errors="coerce")
    status = a["status"].astype(str)
    if as_of is not None:
        status = status.where(~(due < as_of), "overdue")
    ident = a.get("action_id", pd.Series("", index=a.index)).astype(str)
    what = a.get("description", pd.Series("", index=a.index)).fillna("").astype(str)
    out = pd.DataFrame({"action": (ident + " " + what).str.strip(),
                        "owner": a.get("owner", pd.Series("", index=a.index)),
                        "due": due.dt.strftime("%Y-%m-%d"), "status": status, "_due": due})
    return out.sort_values("_due", na_position="last").drop(columns="_due").head(most).reset_index(drop=True)


def render_brief(findings: list[dict[str, Any]], *, period: str = "", changed: list[str] | None = None,
                 compared: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                 title: str = "The brief", since: str = "") -> str:
    """The brief's HTML: verdict, case, findings that matter, what changed, actions due.

    Parameters
    ----------
    findings : list of dict
        The run's findings, lead findings first.
    period : str
        The period under review, shown in the heading.
    changed : list of str, optional
        Items from :func:`what_changed`.
    compared : DataFrame, optional
        From :func:`headline_changes`: the headline numbers beside the last run's.
    actions : DataFrame, optional
        From :func:`actions_due`.
    title : str
        The heading.
    since : str
        The last run compared with (its period and run id), named in the "what changed" heading.

    Returns
    -------
    str
        ``<section class="brief">`` ... (escaped; sanitised where the page is assembled).
    """
    from carelib.report.tables import render_table

    head = f"{title} · {period}" if period else title
    parts = [f'<section class="brief" id="brief"><h2>{_esc(head)}</h2>',
             f'<p class="verdict"><strong>{_esc(verdict(findings))}</strong></p>']
    case = next((f for f in findings if f.get("kind") == "case"), None)
    if case:
        words = case.get("words")
        said = (f"<p class=\"case-quote\">“{_esc(words)}”<br><small>{_esc(case.get('text', ''))}</small></p>"
                if words else f'<p class="case-quote">{_esc(case.get("text", ""))}</p>')
        more = " ".join(_esc(case[k]) for k in ("why", "outcome") if case.get(k))
        parts.append(f"<h3>The case</h3>{said}" + (f"<p>{more}</p>" if more else ""))
    chosen = pick(findings)
    if chosen:
        parts.append("<h3>What matters this week</h3><ol>" + "".join(f"<li>{sentence(f)}</li>" for f in chosen)
                     + "</ol>")
    if changed:
        heading = "What changed since the last run" + (f" ({_esc(since)})" if since else "")
        parts.append(f"<h3>{heading}</h3><ul>" + "".join(f"<li>{c}</li>" for c in changed) + "</ul>")
        if compared is not None and not compared.empty:
            parts.append(render_table(compared, "The headline numbers beside the last run's"))
    if actions is not None:
        if actions.empty:
            parts.append("<h3>Actions due</h3><p>No open action.</p>")
        else:
            late = actions.assign(_late=actions["status"].eq("overdue"))
            parts.append("<h3>Actions due</h3>" + render_table(late, "Open actions, the most urgent first",
                                                               highlight="_late"))
    parts.append("</section>")
    return "".join(parts)
