"""The run history page: every playbook run in ``<runs>/index.jsonl`` as one offline HTML page.

:func:`write_history` reads the run index that every playbook run appends to (one JSON line
a run: playbook, run id, status, seconds, period, start, headline numbers, report path) and
writes ``<runs>/index.html``: one section per playbook with

- small trend charts, one per headline number, over the playbook's ``ok`` runs in run order
  (the interval as a band where the run recorded one; a signal as an accented point), each a
  PNG ``data:`` image with an alt text naming the metric and its first and last values;
- a table of its runs, newest first: date, period, status, duration, one column per headline
  number (formatted by its unit: a share as ``72.6 %``) and the report's path relative to the
  runs folder, as text (the page links only to its own ``#fragments``).

Failed and interrupted runs are listed with ``–`` for their numbers and left out of the trends.
Lines written by older carelib versions (no period, start or numbers) show ``–`` where a value is
missing; a line that is not a JSON object is skipped. The page holds no current time, and the
charts are drawn on a :class:`matplotlib.figure.Figure` (no pyplot, no global state) saved without
a software stamp: the same index gives the same bytes.

Examples
--------
>>> import json, pathlib, tempfile
>>> runs = pathlib.Path(tempfile.mkdtemp())
>>> line = {"playbook": "weekly", "run_id": "2026-W46-1", "status": "ok", "seconds": 31.0, "period": "2026-W46",
...         "numbers": {"headline.nps": {"label": "NPS", "value": 32.5, "unit": "points"}}}
>>> _ = (runs / "index.jsonl").write_text(json.dumps(line) + "\\n", encoding="utf-8")
>>> page = write_history(runs).read_text(encoding="utf-8")
>>> "32.5" in page and 'alt="NPS' in page
True
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from carelib.files import write_atomic
from carelib.report.html import Section, render_report
from carelib.report.look import LOOK
from carelib.report.tables import DASH, format_value, render_table

__all__ = ["write_history", "history_page", "read_index", "format_number", "HISTORY_FILE", "INDEX_FILE"]

#: The run index every playbook run appends one line to, in the runs folder.
INDEX_FILE = "index.jsonl"
#: The run history page, in the runs folder.
HISTORY_FILE = "index.html"
#: Keys of the run's numbers shown as columns and trends.
HEADLINE = "headline."
#: Size of one trend chart in inches and its resolution: three side by side fill the page's column.
CHART_SIZE = (2.9, 1.4)
CHART_DPI = 100
_FONT = 7
_STATUS_OK = "ok"


@dataclass(frozen=True)
class _Run:
    """One line of the index, read defensively: every field may be missing."""

    playbook: str
    run_id: str
    status: str
    seconds: float | None
    period: str
    started: str
    numbers: dict[str, dict[str, Any]]
    report: str | None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _finite(value: Any) -> float | None:
    """A finite float, or None (bools, strings, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _run(record: dict[str, Any]) -> _Run:
    numbers = record.get("numbers")
    numbers = {str(k): v for k, v in numbers.items() if isinstance(v, dict)} if isinstance(numbers, dict) else {}
    report = record.get("report")
    return _Run(
        playbook=_text(record.get("playbook")) or "(unnamed playbook)",
        run_id=_text(record.get("run_id")),
        status=_text(record.get("status")) or "unknown",
        seconds=_finite(record.get("seconds")),
        period=_text(record.get("period")),
        started=_text(record.get("started")),
        numbers=numbers,
        report=_text(report) or None,
    )


def read_index(runs_dir: str | Path) -> list[dict[str, Any]]:
    """The run index's records in the order they were written (oldest first).

    A missing index gives no records; a line that is not a JSON object (a partial or hand-edited
    line, bytes that are not UTF-8) is skipped.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> runs = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (runs / "index.jsonl").write_text('{"playbook": "a"}\\nnot json\\n[1]\\n', encoding="utf-8")
    >>> read_index(runs)
    [{'playbook': 'a'}]
    """
    index = Path(runs_dir) / INDEX_FILE
    if not index.exists():
        return []
    records = []
    for line in index.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def format_number(value: Any, unit: str | None = None) -> str:
    """A headline number as the history shows it: a share as a percentage, others with one decimal.

    Parameters
    ----------
    value : float
        The number as stored in the run index; anything not a finite number gives ``–``.
    unit : str, optional
        The finding's unit: ``share`` (a value in [0, 1], shown as ``72.6 %``), ``points`` or any
        other unit (``per 1,000``, ``minutes`` ...; said in the column heading, not in the cell).

    Returns
    -------
    str
        The value as text.

    Examples
    --------
    >>> format_number(0.7256, "share"), format_number(32.46, "points"), format_number(1234.5, "minutes")
    ('72.6 %', '32.5', '1,234')
    >>> format_number(0.0425), format_number(None), format_number(float("nan"), "share")
    ('0.04', '–', '–')
    """
    x = _finite(value)
    if x is None:
        return DASH
    if unit == "share" and 0.0 <= x <= 1.0:
        return format_value(x, "share")
    decimals = 0 if abs(x) >= 1000 else (1 if abs(x) >= 1 or x == 0 else 2)
    return format_value(x, "number", decimals)


# --- the metrics of a playbook ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Metric:
    key: str
    label: str
    unit: str | None

    @property
    def heading(self) -> str:
        """Column heading and chart title: the label, with the unit when a cell does not say it."""
        if self.unit and self.unit not in ("share", "points") and self.unit not in self.label:
            return f"{self.label} ({self.unit})"
        return self.label


def _metrics(runs: list[_Run]) -> list[_Metric]:
    """Every headline number seen in ``runs`` (oldest first), in order of first appearance; the newest
    run's label and unit win."""
    order: list[str] = []
    newest: dict[str, dict[str, Any]] = {}
    for run in runs:
        for key, number in run.numbers.items():
            if not key.startswith(HEADLINE):
                continue
            if key not in newest:
                order.append(key)
            newest[key] = number
    out = []
    for key in order:
        number = newest[key]
        label = _text(number.get("label")) or key.removeprefix(HEADLINE).replace("_", " ")
        unit = _text(number.get("unit")) or None
        out.append(_Metric(key, label.lstrip("_") or key, unit))
    return out


def _value(run: _Run, key: str) -> float | None:
    number = run.numbers.get(key)
    return _finite(number.get("value")) if isinstance(number, dict) else None


def _interval(run: _Run, key: str) -> tuple[float, float] | None:
    ci = (run.numbers.get(key) or {}).get("ci")
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return None
    low, high = _finite(ci[0]), _finite(ci[1])
    return (low, high) if low is not None and high is not None else None


# --- trend charts -------------------------------------------------------------------------------------------------

def _tick_positions(labels: list[str]) -> list[int]:
    """At most four ticks (first and last always); only the two ends when labels are long (run ids)."""
    n = len(labels)
    most = 2 if max(len(s) for s in labels) > 10 else 4
    if n <= most:
        return list(range(n))
    step = (n - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _trend_image(metric: _Metric, runs: list[_Run]) -> str | None:
    """The ``<img>`` of one metric over ``runs`` (ok runs, oldest first), or None when none has a value."""
    from matplotlib.figure import Figure

    points = [(run, v) for run in runs if (v := _value(run, metric.key)) is not None]
    if not points:
        return None
    scale = 100.0 if metric.unit == "share" and all(0.0 <= v <= 1.0 for _, v in points) else 1.0
    labels = [run.period or run.run_id or str(i + 1) for i, (run, _) in enumerate(points)]
    xs = list(range(len(points)))
    ys = [v * scale for _, v in points]
    intervals = [_interval(run, metric.key) for run, _ in points]
    lows = [ci[0] * scale if ci else math.nan for ci in intervals]
    highs = [ci[1] * scale if ci else math.nan for ci in intervals]
    signals = [bool((run.numbers.get(metric.key) or {}).get("signal")) for run, _ in points]

    fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI, layout="constrained")
    ax = fig.add_subplot()
    if any(ci for ci in intervals):
        ax.fill_between(xs, lows, highs, color=LOOK["band"], linewidth=0)
        ax.vlines([x for x, ci in zip(xs, intervals, strict=True) if ci],
                  [lo for lo in lows if not math.isnan(lo)], [hi for hi in highs if not math.isnan(hi)],
                  color=LOOK["band"], linewidth=3)
    ax.plot(xs, ys, color=LOOK["line"], linewidth=1.4, marker="o", markersize=3)
    marked = [(x, y) for x, y, s in zip(xs, ys, signals, strict=True) if s]
    if marked:
        ax.plot([x for x, _ in marked], [y for _, y in marked], linestyle="none", marker="o", markersize=4.5,
                color=LOOK["accent"])
    ticks = _tick_positions(labels)
    ax.set_xticks(ticks, [labels[i] for i in ticks])
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.tick_params(labelsize=_FONT - 1, colors=LOOK["ink"], length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(LOOK["grid"])
    ax.grid(axis="y", color=LOOK["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
    title = metric.heading + (", %" if scale == 100.0 else "")
    ax.set_title(title, fontsize=_FONT + 1, loc="left", color=LOOK["ink"])
    image = _png(fig)

    first, last = format_number(points[0][1], metric.unit), format_number(points[-1][1], metric.unit)
    if len(points) == 1:
        alt = f"{metric.heading} in 1 ok run ({labels[0]}): {first}."
    else:
        alt = (f"{metric.heading} over {len(points)} ok runs ({labels[0]} to {labels[-1]}): "
               f"first {first}, last {last}.")
    flagged = [label for label, s in zip(labels, signals, strict=True) if s]
    if flagged:
        alt += f" A signal (the accented point{'s' if len(flagged) > 1 else ''}) in {', '.join(flagged)}."
    width, height = round(CHART_SIZE[0] * CHART_DPI), round(CHART_SIZE[1] * CHART_DPI)
    return (f'<img class="trend" src="data:image/png;base64,{image}" alt="{html.escape(alt)}" '
            f'width="{width}" height="{height}">')


# --- the page -----------------------------------------------------------------------------------------------------

def _report_text(report: str | None, runs_dir: Path) -> str | None:
    """The report's path relative to the runs folder where it lies in it, else as recorded."""
    if not report:
        return None
    path = Path(report)
    for base, target in ((runs_dir, path), (runs_dir.resolve(), path.resolve())):
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _table(playbook: str, runs: list[_Run], metrics: list[_Metric], runs_dir: Path) -> str:
    """The playbook's runs, newest first, as formatted strings (``None`` where a value is missing)."""
    rows = []
    for run in reversed(runs):
        ok = run.status == _STATUS_OK
        row: dict[str, str | None] = {
            "date": run.started or None,
            "period": run.period or None,
            "status": run.status,
            "duration": f"{run.seconds:.1f} s" if run.seconds is not None else None,
        }
        for metric in metrics:
            value = _value(run, metric.key) if ok else None
            row[metric.key] = format_number(value, metric.unit) if value is not None else None
        row["report"] = _report_text(run.report, runs_dir)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["date", "period", "status", "duration", *(m.key for m in metrics), "report"],
                         dtype=object)
    headings: dict[str, str] = {}
    taken = {"date", "period", "status", "duration", "report"}
    for metric in metrics:
        heading = metric.heading
        while heading in taken:  # two numbers with one label: the key tells them apart
            heading = f"{heading} [{metric.key.removeprefix(HEADLINE)}]"
        taken.add(heading)
        headings[metric.key] = heading
    frame = frame.rename(columns=headings)
    failed = sum(run.status != _STATUS_OK for run in runs)
    notes = [f"{failed} run{' that did' if failed == 1 else 's that did'} not end ok: no numbers shown, "
             "and left out of the trends."] if failed else []
    caption = f"{playbook}: {len(runs)} run{'s' if len(runs) != 1 else ''}, newest first"
    return render_table(frame, caption, notes=notes, visible_rows=12, fold_constant=False)


def _anchor(name: str, taken: set[str]) -> str:
    base = "playbook-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed")
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def _section(playbook: str, runs: list[_Run], runs_dir: Path, anchor: str) -> Section:
    metrics = _metrics(runs)
    good = [run for run in runs if run.status == _STATUS_OK]
    images = [img for metric in metrics if (img := _trend_image(metric, good)) is not None]
    if images:
        trends = '<div class="trends">' + "\n".join(images) + "</div>"
    elif metrics:
        trends = '<p class="trends-none">No ok run with headline numbers yet: no trend to draw.</p>'
    else:
        trends = '<p class="trends-none">These runs recorded no headline numbers: no trend to draw.</p>'
    return Section(playbook, trends + _table(playbook, runs, metrics, runs_dir), anchor)


def _by_playbook(runs: Iterable[_Run]) -> dict[str, list[_Run]]:
    groups: dict[str, list[_Run]] = {}
    for run in runs:
        groups.setdefault(run.playbook, []).append(run)
    return dict(sorted(groups.items()))


def history_page(runs_dir: str | Path) -> str:
    """The run history page of ``runs_dir`` as HTML (what :func:`write_history` writes).

    Examples
    --------
    >>> import tempfile
    >>> "No playbook run is recorded" in history_page(tempfile.mkdtemp())
    True
    """
    runs_dir = Path(runs_dir)
    runs = [_run(record) for record in read_index(runs_dir)]
    if not runs:
        body = ("<p>No playbook run is recorded in this folder yet. Each <code>carelib playbook run</code> adds "
                "a line to its run index, and <code>carelib runs</code> then shows it here.</p>")
        return render_report([Section("No runs yet", body, "no-runs")], title="Run history",
                             subtitle="No runs yet.", provenance=None)
    groups = _by_playbook(runs)
    taken: set[str] = set()
    sections = [_section(name, group, runs_dir, _anchor(name, taken)) for name, group in groups.items()]
    latest = next((run.started for run in reversed(runs) if run.started), "")
    subtitle = (f"{len(runs)} run{'s' if len(runs) != 1 else ''} of {len(groups)} "
                f"playbook{'s' if len(groups) != 1 else ''}" + (f"; the latest started {latest}" if latest else "")
                + ". Trends show the runs that ended ok, in the order they ran.")
    return render_report(sections, title="Run history", subtitle=subtitle, provenance=None)


def write_history(runs_dir: str | Path) -> Path:
    """Write the run history page ``<runs_dir>/index.html`` from the run index, whole or not at all.

    Parameters
    ----------
    runs_dir : str or Path
        The runs folder, holding ``index.jsonl`` (a missing index gives a page that says there
        are no runs).

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    OSError
        When the page cannot be written (the previous page, if any, is left as it was).
    """
    runs_dir = Path(runs_dir)
    return write_atomic(runs_dir / HISTORY_FILE, history_page(runs_dir))
