"""From a real export to a rendered report with the command line only: ``carelib import`` with the example
mapping in ``docs/examples/``, then ``carelib playbook run`` or ``carelib run`` — what a user types, no Python.

Shared by ``tests/test_reports_real_*.py``: the runs, the report as text (tags stripped), and the privacy grep
over every artefact a run leaves for people (the report, findings, CSV exports).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

from carelib import cli
from tests.conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"
TODAY = "2026-12-01"


def cli_ok(*args: str) -> None:
    """Run one ``carelib`` command in-process; it must exit 0."""
    code = cli.main([str(a) for a in args])
    assert code == 0, f"carelib {' '.join(map(str, args))} exited {code}"


def import_export(kind: str, source: Path, example: str, ws: Path) -> None:
    cli_ok("import", kind, source, "--out", ws, "--map", EXAMPLES / f"{example}.mapping.yml")


def playbook(name: str, ws: Path, runs: Path, *params: str) -> Path:
    """Run a playbook on ``ws``; the folder of the run (report.html, findings.json, executed notebooks)."""
    cli_ok("playbook", "run", name, "--data", ws, "--runs", runs, *(x for p in params for x in ("-p", p)))
    folders = sorted(p for p in (runs / name).iterdir() if p.is_dir() and p.name != ".cache")
    assert (folders[-1] / "report.html").is_file()
    assert unreadable(folders[-1] / "report.html") == []  # every real report: no NaN, repr, index, raw decimals
    return folders[-1]


def notebook(name: str, ws: Path, out: Path, *params: str) -> Path:
    """Run one notebook on ``ws``; the rendered report."""
    cli_ok("run", ROOT / "notebooks" / f"{name}.ipynb", "--data", ws, "--out", out,
           *(x for p in params for x in ("-p", p)))
    assert unreadable(out / f"{name}.html") == []
    return out / f"{name}.html"


def text_of(report: Path) -> str:
    """The report as a reader sees it: no tags, no styles, table cells separated by ' | ', one line a row."""
    page = report.read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    page = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", " | ", page)
    page = re.sub(r"<(tr|p|h\d|li|div|section)[^>]*>", "\n", page)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[ \t]+", " ", page)


def findings(run: Path) -> dict[str, dict]:
    return {f["key"]: f for f in json.loads((run / "findings.json").read_text(encoding="utf-8"))}


def artefacts(folder: Path) -> dict[str, str]:
    """Every file a run leaves for people (HTML reports, findings JSON, CSV exports) and its text."""
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".html", ".json", ".csv")}


def leaks(folder: Path, secrets: set[str]) -> list[tuple[str, str]]:
    """(file, value) for every identifier of ``secrets`` found in an artefact of ``folder`` (whole words)."""
    found = []
    for name, body in artefacts(folder).items():
        for s in secrets:
            if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", body):
                found.append((name, s))
    return found


def iso_week(dates: pd.Series) -> pd.Series:
    iso = pd.to_datetime(dates).dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)


def weeks_ending(last: str, n: int) -> list[str]:
    """``n`` ISO weeks ending with ``last``, by the calendar (independent of carelib.periods)."""
    year, week = int(last[:4]), int(last[-2:])
    monday = pd.Timestamp.fromisocalendar(year, week, 1)
    return [iso_week(pd.Series([monday - pd.Timedelta(weeks=k)])).iloc[0] for k in range(n - 1, -1, -1)]


_NOT_A_NUMBER = re.compile(r"(?<![\w-])(NaN|nan|<NA>|NaT)(?![\w-])")
_LIST_REPR = re.compile(r"\[\s*(?:'[^'\n]*'|\"[^\"\n]*\")\s*(?:,\s*(?:'[^'\n]*'|\"[^\"\n]*\")\s*)*\]")
_COUNT_WITH_DECIMALS = re.compile(r"(?<![\w.])(?![01]\.000)\d[\d,]*\.000(?!\d)")  # a p of 1.000 is a p
_LONG_DECIMALS = re.compile(r"(?<![\w.])\d+\.\d{4,}(?![\w])")
_INDEX_ROW = re.compile(r"<thead>\s*<tr[^>]*>\s*<th[^>]*>\s*</th>")  # pandas' index: a first column with no header


def unreadable(report: Path) -> list[str]:
    """What a reader should never meet in a report: NaN/nan/<NA>/NaT, a Python list repr, a count shown with
    decimals (``75.000``), a float with four or more decimals, a pandas index column, a raw pandas table."""
    page = report.read_text(encoding="utf-8")
    text = text_of(report)
    found = []
    for name, pattern, where in (("missing value", _NOT_A_NUMBER, text), ("list repr", _LIST_REPR, text),
                                 ("count with decimals", _COUNT_WITH_DECIMALS, text),
                                 ("float with 4+ decimals", _LONG_DECIMALS, text),
                                 ("index column", _INDEX_ROW, page)):
        for m in pattern.finditer(where):
            found.append(f"{report.name}: {name}: …{where[max(0, m.start() - 60):m.end() + 30]!r}…")
    if 'class="dataframe' in page:
        found.append(f"{report.name}: a raw pandas table (class=dataframe), not the table renderer")
    return found
