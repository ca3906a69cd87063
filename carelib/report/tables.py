"""One table renderer for every table a notebook or a report shows: tables made for people.

:func:`render_table` turns a DataFrame into plain, semantic HTML (classes, no inline style,
no script, no id), so it passes the report's sanitiser untouched and the page's one
stylesheet (:mod:`carelib.report.html`) sets its look:

- no index column: a default ``0, 1, 2`` index is dropped, a meaningful one (named, or
  labels) becomes the first column; column levels are joined with `` · ``;
- human column labels with units (``p_value`` → ``p``, ``recency_days`` → ``recency (days)``);
- shares (``share``, ``risk`` ... columns holding values in [0, 1]) as ``72.6 %``, counts
  with thousands separators (``1,234``), p and q values as ``0.003`` or ``< 0.001``;
- an interval pair (``ci_low``/``ci_high``, ``p50_low``/``p50_high`` ...) as one
  ``66.4–78.0`` column beside its estimate;
- missing values as ``–``, with the reason in a footnote; columns with no value at all
  are dropped and named in the footnote;
- lists in cells as bullet lists; significant rows (``significant``, a ``flag``, a
  ``status`` of new/growing, q below 0.05) highlighted and marked with ``●``;
- a caption saying what the table is; long tables show their first rows and keep the rest
  under ``<details>`` (no script).

Why not pandas ``Styler`` or great_tables: both carry their look in ``style`` attributes
and ``<style>`` blocks keyed by element ids, which the report's allow-list sanitiser
strips (see :func:`carelib.report.html.sanitize_html`); classes survive it.

Notebooks get this renderer for every DataFrame they display
(:func:`carelib.practices.common.display_options` registers it with IPython), and
:func:`carelib.report.html.render_report` uses it for the definitions appendix.

Examples
--------
>>> df = pd.DataFrame({"region": ["North"], "n": [1200.0], "share": [0.726], "ci_low": [0.70], "ci_high": [0.75]})
>>> print(Table(df, caption="Share by region").text())
Share by region
region     n  share    interval
 North 1,200 72.6 % 70.0–75.0 %
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Table", "render_table", "column_label", "format_value", "DASH"]

DASH = "–"
#: Rows shown before a long table's other rows are folded under ``<details>``.
VISIBLE_ROWS = 8

_SHARE = re.compile(r"(^|_)(share|shares|risk|proportion|pct|attributable|sla_share|sla|rate_within)(_|$)")
_P = re.compile(r"^(p|q|p_value|q_value|pvalue|qvalue|p-value|q-value)$")
_RATIO = re.compile(r"(^|_)(rr|ratio|odds|hr)(_|$)")
_PAIRS = (("_low", "_high"), ("_lo", "_hi"), ("_lower", "_upper"))
_ESTIMATES = ("value", "share", "nps", "enps", "csat", "mean", "rate", "rr", "ratio", "difference", "estimate",
              "median", "p50", "score")
_LABELS = {
    "n": "n", "p_value": "p", "q_value": "q (FDR)", "p": "p", "q": "q (FDR)", "rr": "risk ratio",
    "nps": "NPS", "enps": "eNPS", "csat": "CSAT", "ces": "CES", "pmf": "PMF", "per_1000": "per 1,000",
    "before_per_1000": "before, per 1,000", "rest_value": "rest", "rest_n": "rest n", "rest_share": "rest share",
    "rest_rate": "rest rate", "p50": "median", "p90": "90th percentile", "sla_share": "within target",
    "ci": "interval", "lcl": "lower limit", "ucl": "upper limit", "id": "id", "k": "k",
    "share_now": "share now", "share_before": "share before", "bayes_avg": "Bayesian average",
}
_UNITS = {"days": "days", "minutes": "minutes", "hours": "hours", "seconds": "seconds", "eur": "EUR", "12m": None}
_HIGH_STATUS = re.compile(r"\b(new|grow|growing|rising|signal|below|worse|emerging|spike)\b", re.I)


def column_label(name: Any) -> str:
    """A column name as a reader reads it: words, known abbreviations, units in brackets.

    Examples
    --------
    >>> [column_label(c) for c in ["p_value", "recency_days", "orders_12m", "median_minutes", "rows read"]]
    ['p', 'recency (days)', 'orders, 12 months', 'median (minutes)', 'rows read']
    """
    if isinstance(name, tuple):
        return " · ".join(column_label(n) for n in name if str(n) != "")
    text = str(name)
    if text in _LABELS:
        return _LABELS[text]
    words = text.split("_")
    unit = None
    if len(words) > 1 and words[-1].lower() in _UNITS:
        unit = words.pop()
    out = " ".join(_LABELS.get(w, w) for w in words)
    if unit == "12m":
        return f"{out}, 12 months"
    if unit:
        return f"{out} ({_UNITS[unit.lower()]})"
    return out


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, (np.floating,)) and np.isnan(v):
        return True
    if isinstance(v, str) and v.strip() in ("", "nan", "NaN", "<NA>", "NaT"):  # str() of a missing value
        return True
    return False


def _is_list(v: Any) -> bool:
    return isinstance(v, (list, tuple, set, np.ndarray))


@dataclass(frozen=True)
class _Kind:
    name: str  # count, share, p, ratio, number, text, bool, date, list
    decimals: int = 1


def _kind(name: str, values: pd.Series) -> _Kind:
    present = values[[not _is_list(v) and not _missing(v) for v in values]] if len(values) else values
    if len(values) and any(_is_list(v) for v in values):
        return _Kind("list")
    if pd.api.types.is_bool_dtype(values) or (len(present) and all(isinstance(v, (bool, np.bool_)) for v in present)):
        return _Kind("bool")
    if pd.api.types.is_datetime64_any_dtype(values):
        return _Kind("date")
    nums = pd.to_numeric(present, errors="coerce") if len(present) else present
    if not len(present) or nums.isna().any() or not all(isinstance(v, (int, float, np.number)) for v in present):
        return _Kind("text")
    key = name.lower()
    arr = nums.to_numpy(float)
    if _P.match(key):
        return _Kind("p")
    if _SHARE.search(key) and np.all((arr >= 0) & (arr <= 1)):
        return _Kind("share")
    if _RATIO.search(key):
        return _Kind("ratio", 2)
    if np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return _Kind("count")
    top = np.nanmax(np.abs(arr)) if len(arr) else 0
    return _Kind("number", 0 if top >= 1000 else (1 if top >= 1 else 2))


def format_value(v: Any, kind: str = "number", decimals: int = 1) -> str:
    """One cell as text: ``–`` when missing, else by kind (count, share, p, ratio, number, bool, date, text).

    Parameters
    ----------
    v : Any
        The value.
    kind : str
        ``count`` (thousands separators, no decimals), ``share`` (a percentage), ``p`` (three decimals or
        ``< 0.001``), ``ratio``, ``number``, ``bool``, ``date`` or ``text``.
    decimals : int
        Decimals of a ``number`` or ``ratio``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(1234.0, "count"), format_value(0.7256, "share"), format_value(0.0002, "p")
    ('1,234', '72.6 %', '< 0.001')
    >>> format_value(float("nan")), format_value(True, "bool"), format_value(-3.14159, "number", 1)
    ('–', 'yes', '−3.1')
    """
    if _is_list(v):
        return "; ".join(format_value(x, "text") for x in v) or DASH
    if _missing(v):
        return DASH
    if kind == "bool":
        return "yes" if bool(v) else "no"
    if kind == "date":
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")
    if kind == "text" or not isinstance(v, (int, float, np.number)) or isinstance(v, (bool, np.bool_)):
        if isinstance(v, pd.Timestamp):
            return format_value(v, "date")
        if isinstance(v, float) and not math.isnan(v):
            return format_value(v, "number", 2 if abs(v) < 1 else 1)
        return str(v)
    x = float(v)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if kind == "count":
        text = f"{x:,.0f}"
    elif kind == "share":
        text = f"{100 * x:.1f} %"
    elif kind == "p":
        return "< 0.001" if x < 0.001 else f"{x:.3f}"
    else:
        text = f"{x:,.{decimals}f}"
    return text.replace("-", "−", 1) if text.startswith("-") else text


def _interval_columns(columns: list[str]) -> list[tuple[str | None, str, str, str]]:
    """(estimate or None, low, high, label) for every interval pair among ``columns``."""
    out = []
    for low in columns:
        for lo, hi in _PAIRS:
            if not low.endswith(lo):
                continue
            stem = low[: -len(lo)]
            high = stem + hi
            if high not in columns:
                continue
            if stem in ("ci", ""):
                before = columns[: columns.index(low)]
                estimate = next((c for c in reversed(before) if c.lower() in _ESTIMATES), None)
                out.append((estimate, low, high, "interval"))
            elif stem == "diff":
                out.append(("difference" if "difference" in columns else None, low, high, "difference interval"))
            else:
                out.append((stem if stem in columns else None, low, high, f"{column_label(stem)} interval"))
    return out


class Table:
    """A DataFrame made for people: :func:`render_table`'s HTML in notebooks, an aligned text otherwise.

    Parameters
    ----------
    frame : DataFrame
        The data; not changed.
    caption : str, optional
        What the table is (plain text, escaped); default a sentence from the columns.
    notes : iterable of str, optional
        Footnotes (plain text) added under the table.
    highlight : str, optional
        A boolean column whose true rows are highlighted (default: found from ``significant``,
        ``flag``, ``status``, ``q_value``).
    visible_rows : int
        Rows shown before the rest folds under ``<details>``.
    caption_html : str, optional
        The caption as (trusted, carelib-made) inline HTML, instead of ``caption``.
    shares : bool or iterable of str
        Every numeric column (True), or the columns named, hold shares in [0, 1] (shown as percentages).
    fold_constant : bool
        A text column with one value in every row is said once under the table instead of shown.
    """

    def __init__(self, frame: pd.DataFrame, caption: str | None = None, *, notes: Iterable[str] = (),
                 highlight: str | None = None, visible_rows: int = VISIBLE_ROWS, caption_html: str | None = None,
                 shares: bool | Iterable[str] = False, fold_constant: bool = True) -> None:
        self.frame = frame
        self.fold_constant = fold_constant
        self.shares = shares
        self.caption = caption
        self.caption_html = caption_html
        self.notes = list(notes)
        self.highlight = highlight
        self.visible_rows = visible_rows

    # -- shaping -------------------------------------------------------------------------------------------------
    def _shaped(self) -> tuple[pd.DataFrame, list[tuple[str, str, str]], list[str], pd.Series]:
        df = self.frame
        if isinstance(df, pd.Series):
            df = df.to_frame()
        df = df.copy()
        if isinstance(df.columns, pd.MultiIndex):
            df.columns = [" · ".join(str(x) for x in c if str(x) != "") for c in df.columns]
        names: list[str] = []
        for c in (str(c) for c in df.columns):  # two columns of one name stay two columns
            names.append(c if c not in names else f"{c} ({sum(n == c or n.startswith(c + ' (') for n in names) + 1})")
        df.columns = names
        default_index = isinstance(df.index, pd.RangeIndex) or (  # row numbers (sorted or not) say nothing
            df.index.name is None and not isinstance(df.index, pd.MultiIndex) and pd.api.types.is_integer_dtype(df.index))
        if not default_index:
            names = [n if n is not None else "" for n in (df.index.names or [None])]
            names = [n or (df.columns.name or "") for n in names]
            df.index.names = [n if n not in df.columns else f"{n} " for n in names]
            df = df.reset_index()
            df.columns = [str(c) if str(c) != "index" else "" for c in df.columns]
        df = df.reset_index(drop=True)
        df.columns.name = None
        marked = self._marked(df)
        helpers = [c for c in df.columns if c.startswith("_")]  # helper columns (a highlight mask)
        if "significant" in df.columns and pd.api.types.is_bool_dtype(df["significant"]) and self.highlight is None:
            helpers.append("significant")  # said by the highlight and its footnote
        df = df.drop(columns=helpers)
        notes = []
        empty = [c for c in df.columns if c and all(_missing(v) and not _is_list(v) for v in df[c])]
        if empty and len(df):
            named = ", ".join(column_label(c) for c in empty)
            notes.append(f"No value in any row, so not shown: {named}.")
            df = df.drop(columns=empty)
        same = [c for c in df.columns[1:] if self.fold_constant and len(df) >= 3 and _kind(c, df[c]).name == "text"
                and df[c].map(lambda v: None if _missing(v) or _is_list(v) else str(v)).nunique(dropna=False) == 1
                and not _missing(df[c].iloc[0])]
        if same:  # a column with one value in every row is said once, under the table
            notes.append("Every row: " + "; ".join(f"{column_label(c)} {df[c].iloc[0]}" for c in same) + ".")
            df = df.drop(columns=same)
        cells: list[tuple[str, str, str]] = []  # (column label, kind, source column or "a|b" for intervals)
        columns = list(df.columns)
        pairs = _interval_columns(columns)
        paired = {c for _, lo, hi, _ in pairs for c in (lo, hi)}
        after: dict[str | None, list[tuple[str, str, str]]] = {}
        for estimate, lo, hi, label in pairs:
            after.setdefault(estimate if estimate in columns else lo, []).append((lo, hi, label))
        shown = pd.DataFrame(index=df.index)
        for c in columns:
            if c in paired and c not in after:
                continue
            if c not in paired:
                k = _kind(c, df[c])
                as_share = self.shares is True or (not isinstance(self.shares, bool)
                                                   and c in {str(x) for x in self.shares})
                if as_share and k.name in ("number", "count"):
                    k = _Kind("share")
                shown[c] = [_cell(v, k) for v in df[c]]
                cells.append((column_label(c) if c else "", k.name, c))
            for lo, hi, label in after.get(c, []):
                base = _kind(lo, pd.concat([df[lo], df[hi]], ignore_index=True))
                ref = [e for e, lo2, _, _ in pairs if lo2 == lo][0]
                if ref is not None and _kind(ref, df[ref]).name == "share":
                    base = _Kind("share")
                if base.name == "count":
                    base = _Kind("number", 1 if max(abs(pd.to_numeric(df[lo], errors="coerce").fillna(0)).max(),
                                                    1) < 1000 else 0)
                shown[f"{lo}|{hi}"] = [_interval(a, b, base) for a, b in zip(df[lo], df[hi], strict=True)]
                cells.append((label, "interval", f"{lo}|{hi}"))
        return shown, cells, notes, marked

    def _marked(self, df: pd.DataFrame) -> pd.Series:
        col = self.highlight
        if col is not None and col in df.columns:
            return df[col].fillna(False).astype(bool)
        mark = pd.Series(False, index=df.index)
        if "significant" in df.columns:
            mark |= df["significant"].map(lambda v: bool(v) if not _missing(v) and not _is_list(v) else False)
        if "flag" in df.columns:
            mark |= df["flag"].map(lambda v: not _missing(v) and bool(v) and not _is_list(v))
        if "status" in df.columns:
            mark |= df["status"].map(lambda v: isinstance(v, str) and bool(_HIGH_STATUS.search(v)))
        if "q_value" in df.columns and "significant" not in df.columns:
            q = pd.to_numeric(df["q_value"], errors="coerce")
            mark |= q.lt(0.05).fillna(False)
        return mark

    # -- output --------------------------------------------------------------------------------------------------
    def _caption(self, df: pd.DataFrame) -> str:
        if self.caption_html:
            return self.caption_html
        if self.caption:
            return html.escape(self.caption)
        cols = [column_label(c) for c in df.columns if c][:3]
        return html.escape(f"{len(df):,} rows: " + ", ".join(cols)) if cols else "A table"

    def html(self) -> str:
        """The table as HTML: caption, header, rows (long tables folded), footnotes.

        A frame the renderer cannot shape (a carelib bug) is still shown, as escaped text with a note, so a
        report is never lost to its presentation.
        """
        try:
            return self._html()
        except Exception as exc:  # noqa: BLE001 - a table must not take the report down with it
            frame = self.frame.to_frame() if isinstance(self.frame, pd.Series) else self.frame
            body = html.escape(frame.astype(str).to_string(index=False, max_rows=200))
            return (f'<div class="table"><p class="table-caption">{self._caption(frame)}</p><pre>{body}</pre>'
                    f'<p class="table-note">Shown as plain text: the table could not be formatted '
                    f'({html.escape(type(exc).__name__)}; a carelib bug, please report it).</p></div>')

    def _html(self) -> str:
        shown, cells, notes, marked = self._shaped()
        n = len(shown)
        caption = self._caption(self.frame if isinstance(self.frame, pd.DataFrame) else shown)
        if n == 0:
            return f'<div class="table"><p class="table-caption">{caption}</p><p class="table-empty">No rows.</p></div>'
        head = "".join(
            f'<th scope="col" class="{_align(k)}">{html.escape(label)}</th>' for label, k, _ in cells)
        classes = [_align(k) + (" long" if k in ("text", "list") and shown.iloc[:, j].str.len().median() > 60 else "")
                   for j, (_, k, _) in enumerate(cells)]
        rows = []
        for i in range(n):
            tds = []
            for j in range(len(cells)):
                value = shown.iloc[i, j]
                cls = classes[j]
                tag = "th" if j == 0 else "td"
                scope = ' scope="row"' if j == 0 else ""
                tds.append(f'<{tag}{scope} class="{cls}">{value}</{tag}>')
            mark = bool(marked.iloc[i]) if i < len(marked) else False
            rows.append(('<tr class="hl">' if mark else "<tr>") + "".join(tds) + "</tr>")
        dash = any(DASH in str(v) for v in shown.to_numpy().ravel())
        foot = list(notes)
        if dash:
            foot.append(f"{DASH} no value: " + ("the row's note says why." if any(s == "note" for _, _, s in cells)
                                               else "nothing to compute for this row (no data, too few, or not applicable)."))
        if marked.any() and not (self.highlight or "").startswith("_"):
            foot.append("Rows marked ● are significant, flagged or new; the rest are not.")
        foot += self.notes
        footer = "".join(f'<p class="table-note">{html.escape(f)}</p>' for f in foot)
        dense = " dense" if len(cells) > 10 else ""
        table_open = f'<table class="carekit{dense}"><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>'
        limit = self.visible_rows
        if n <= limit + 3:
            body = table_open + "".join(rows) + "</tbody></table>"
        else:
            body = (table_open + "".join(rows[:limit]) + "</tbody></table>"
                    f'<details class="more-rows"><summary>All {n:,} rows</summary>'
                    f'<table class="carekit{dense}"><thead><tr>{head}</tr></thead><tbody>' + "".join(rows[limit:])
                    + "</tbody></table></details>")
        return f'<div class="table" tabindex="0">{body}{footer}</div>'

    def text(self) -> str:
        """The table as aligned plain text (what a terminal or ``text/plain`` shows)."""
        shown, cells, notes, _ = self._shaped()
        plain = shown.map(lambda s: _plain_text(s))
        plain.columns = [label for label, _, _ in cells]
        caption = re.sub(r"<[^>]+>", "", self.caption_html) if self.caption_html else self.caption
        out = (html.unescape(caption) + "\n") if caption else ""
        body = plain.to_string(index=False) if len(plain) else "(no rows)"
        return out + body + "".join("\n" + f for f in notes + self.notes)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()


def _align(kind: str) -> str:
    return "num" if kind in ("count", "share", "p", "ratio", "number", "interval") else "txt"


def _cell(v: Any, k: _Kind) -> str:
    if _is_list(v):
        items = [html.escape(format_value(x, "text")) for x in v if not _missing(x)]
        if not items:
            return DASH
        short = max(len(i) for i in items) <= 24  # words and terms read as one line, sentences one per bullet
        opening = '<ul class="inline">' if short else "<ul>"
        return opening + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    if isinstance(v, dict):
        items = [f"{html.escape(str(a))}: {html.escape(format_value(b, 'text'))}" for a, b in v.items()]
        return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else DASH
    return html.escape(format_value(v, k.name, k.decimals))


def _interval(a: Any, b: Any, k: _Kind) -> str:
    if _missing(a) or _missing(b):
        return DASH
    lo, hi = format_value(a, k.name, k.decimals), format_value(b, k.name, k.decimals)
    if k.name == "share":
        return html.escape(f"{lo.removesuffix(' %')}–{hi}")
    return html.escape(f"{lo}–{hi}")


def _plain_text(cell: str) -> str:
    items = re.findall(r"<li>(.*?)</li>", cell)
    text = "; ".join(items) if items else re.sub(r"<[^>]+>", "", cell)
    return html.unescape(text)


def render_table(frame: pd.DataFrame, caption: str | None = None, **options: Any) -> str:
    """``frame`` as the HTML every carekit table uses (see :class:`Table` for the options).

    Examples
    --------
    >>> out = render_table(pd.DataFrame({"n": [3.0, None]}), caption="Answers")
    >>> "<caption>Answers</caption>" in out and ">3<" in out and ">–<" in out and ">0<" not in out  # no index
    True
    """
    return Table(frame, caption, **options).html()
