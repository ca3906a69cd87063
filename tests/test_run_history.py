"""The run history page ``runs/index.html``: written by ``carelib runs`` from ``runs/index.jsonl``.

Fast: the index lines are written by hand, no notebook runs.
"""

from __future__ import annotations

import base64
import errno
import html
import json
import re
from pathlib import Path

import matplotlib
import pytest

import carelib.run.history
from carelib.cli import main
from carelib.report.html import check_offline
from carelib.run.history import format_number, write_history

PLAYBOOK = "weekly-care-review"


def _numbers(nps: float, csat: float, *, signal: bool = False) -> dict:
    return {
        "headline.nps": {"label": "NPS", "value": nps, "ci": [nps - 6.6, nps + 6.2], "unit": "points",
                         "kind": "metric", "signal": signal, "text": f"NPS {nps}"},
        "headline.csat": {"label": "CSAT (top-2-box)", "value": csat, "ci": [csat - 0.06, csat + 0.05],
                          "unit": "share", "kind": "metric", "signal": False, "text": f"CSAT {csat}"},
        "headline.complaints": {"label": "Complaints", "value": 4.25, "ci": None, "unit": "per 1,000",
                                "kind": "metric", "signal": False, "text": "4.25 per 1,000"},
        "theme.billing": {"label": "Billing", "value": 12.0, "unit": "share", "kind": "theme"},  # not headline
    }


def _line(runs: Path, run_id: str, status: str, seconds: float, period: str, started: str,
          numbers: dict | None, playbook: str = PLAYBOOK) -> str:
    report = runs / playbook / run_id / "report.html"
    return json.dumps({
        "playbook": playbook, "run_id": run_id, "status": status, "seconds": seconds, "period": period,
        "started": started, "steps": {"metrics": "ran" if status == "ok" else "failed"},
        "headline": "NPS: ...", "numbers": numbers or {}, "report": str(report) if status == "ok" else None,
    }, sort_keys=True)


@pytest.fixture()
def runs(tmp_path) -> Path:
    """Two ok runs (2026-W46, 2026-W47) and one failed run, appended in that order."""
    folder = tmp_path / "runs"
    folder.mkdir()
    lines = [
        _line(folder, "2026-W46-20261206T204227Z", "ok", 31.0, "2026-W46", "2026-12-06 20:42 UTC",
              _numbers(32.5, 0.734)),
        _line(folder, "2026-W47-20261213T204227Z", "ok", 29.5, "2026-W47", "2026-12-13 20:42 UTC",
              _numbers(31.4, 0.712, signal=True)),
        _line(folder, "2026-W48-20261220T204227Z", "failed", 3.2, "2026-W48", "2026-12-20 20:42 UTC",
              _numbers(99.9, 0.999)),  # a failed run's numbers are not shown
    ]
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _rows(page: str) -> list[list[str]]:
    """The cells of every table body row, as text."""
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        if cells and "scope=\"col\"" not in row:
            out.append([html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells])
    return out


def _headers(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)]


def _images(page: str) -> list[tuple[str, bytes]]:
    """(alt text, PNG bytes) of every image."""
    found = []
    for tag in re.findall(r"<img[^>]*>", page):
        src = re.search(r'src="data:image/png;base64,([^"]+)"', tag)
        alt = re.search(r'alt="([^"]*)"', tag)
        assert src and alt, tag
        found.append((html.unescape(alt.group(1)), base64.b64decode(src.group(1))))
    return found


def _no_missing_marker(page: str) -> None:
    """No nan, None, <NA> or null in what the page shows: its body, with the images' data left out."""
    shown = html.unescape(re.sub(r'base64,[^"]+', "", page[page.index("<main>"):]))
    for marker in ("nan", "NaN", "None", "<NA>", "null"):
        assert not re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", shown), marker


def test_the_page_lists_every_run_newest_first_with_its_numbers(runs):
    path = write_history(runs)
    assert path == runs / "index.html"
    page = path.read_text(encoding="utf-8")
    assert check_offline(page) == []
    assert "<h1>Run history</h1>" in page and "weekly-care-review: 3 runs, newest first" in page
    headers = _headers(page)
    assert headers[:4] == ["date", "period", "status", "duration"]
    assert {"NPS", "CSAT (top-2-box)", "Complaints (per 1,000)", "report"} <= set(headers)
    assert "Billing" not in headers  # only headline numbers are columns
    rows = [dict(zip(headers, r, strict=True)) for r in _rows(page)]
    assert [r["period"] for r in rows] == ["2026-W48", "2026-W47", "2026-W46"]
    assert [r["status"] for r in rows] == ["failed", "ok", "ok"]
    assert [r["date"] for r in rows] == ["2026-12-20 20:42 UTC", "2026-12-13 20:42 UTC", "2026-12-06 20:42 UTC"]
    assert [r["duration"] for r in rows] == ["3.2 s", "29.5 s", "31.0 s"]
    assert [r["NPS"] for r in rows] == ["–", "31.4", "32.5"]
    assert [r["CSAT (top-2-box)"] for r in rows] == ["–", "71.2 %", "73.4 %"]
    assert rows[0]["report"] == "–"
    assert rows[2]["report"] == "weekly-care-review/2026-W46-20261206T204227Z/report.html"
    assert "99.9" not in page and "99.9 %" not in page
    # the report's path is text, never a link: the page links only to its own fragments
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page))


def test_one_trend_per_headline_metric_over_the_ok_runs(runs):
    page = write_history(runs).read_text(encoding="utf-8")
    images = _images(page)
    alts = [alt for alt, _ in images]
    assert len(images) == 3, alts
    nps = next(a for a in alts if a.startswith("NPS"))
    assert "2 ok runs" in nps and "first 32.5" in nps and "last 31.4" in nps and "2026-W47" in nps
    assert "signal" in nps  # the W47 point is accented and said so
    csat = next(a for a in alts if a.startswith("CSAT (top-2-box)"))
    assert "first 73.4 %" in csat and "last 71.2 %" in csat
    assert any(a.startswith("Complaints (per 1,000)") for a in alts)
    for _, png in images:
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"Software" not in png and b"matplotlib" not in png
    assert 'class="trends"' in page and 'class="trend"' in page


def test_the_page_is_the_same_on_a_second_call_and_shows_no_missing_marker(runs):
    first = write_history(runs).read_bytes()
    second = write_history(runs).read_bytes()
    assert first == second
    text = first.decode("utf-8")
    _no_missing_marker(text)
    assert not list(runs.glob("*.tmp")) and not list(runs.glob(".index.html.*"))


def test_old_lines_and_garbage_do_not_break_it(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    lines = [
        json.dumps({"playbook": PLAYBOOK, "run_id": "r-old", "status": "ok", "seconds": 12.0, "steps": {},
                    "headline": "NPS: 30.0", "report": None}),  # before period, started and numbers
        "this is not json {",
        "[1, 2, 3]",
        json.dumps({"playbook": PLAYBOOK, "run_id": "r-odd", "status": "ok", "seconds": "slow",
                    "numbers": {"headline.nps": {"label": "NPS", "value": "n/a"}, "headline.x": "junk",
                                "headline.ces": {"value": float("nan")}}}),
        "",
        _line(runs, "2026-W47-1", "ok", 20.0, "", "2026-12-13 20:42 UTC", _numbers(31.4, 0.712)),
        json.dumps({"playbook": "other", "run_id": "i1", "status": "interrupted", "seconds": 1.0}),
    ]
    (runs / "index.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = write_history(runs).read_text(encoding="utf-8")
    assert check_offline(page) == []
    rows = _rows(page)
    assert len(rows) == 4  # three weekly-care-review runs, one of "other"
    assert any(r[:1] == ["–"] for r in rows)  # no started: a dash
    assert "12.0 s" in page and "31.4" in page and "interrupted" in page
    assert "n/a" not in page and "junk" not in page
    alts = [alt for alt, _ in _images(page)]
    assert any(a.startswith("NPS in 1 ok run (2026-W47-1)") for a in alts), alts  # no period: the run id
    _no_missing_marker(page)


def test_no_runs_says_so(tmp_path):
    page = write_history(tmp_path).read_text(encoding="utf-8")
    assert "No playbook run is recorded" in page and "<img" not in page and check_offline(page) == []
    (tmp_path / "index.jsonl").write_text("garbage\n", encoding="utf-8")
    assert "No playbook run is recorded" in write_history(tmp_path).read_text(encoding="utf-8")


def test_numbers_are_formatted_by_their_unit():
    assert format_number(0.734, "share") == "73.4 %"
    assert format_number(32.5, "points") == "32.5"
    assert format_number(-3.25, "points") == "−3.2"
    assert format_number(4.25, "stars") == "4.2"
    assert format_number(12345.0, "minutes") == "12,345"
    assert format_number(4.2, "share") == "4.2"  # not a share after all: shown as a number
    assert format_number(None) == format_number("x") == format_number(True) == "–"


def test_drawing_the_charts_leaves_matplotlib_alone(runs):
    backend = matplotlib.get_backend()
    rc = dict(matplotlib.rcParams)
    import matplotlib.pyplot as plt

    figures = plt.get_fignums()
    write_history(runs)
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures
    assert dict(matplotlib.rcParams) == rc


# --- carelib runs ---------------------------------------------------------------------------------------------

def _cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_carelib_runs_prints_the_history_line_and_writes_the_page(runs, capsys):
    code, out, err = _cli(capsys, "runs", "--runs", runs)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == f"history: {runs / 'index.html'}"
    assert len(lines) == 4 and "2026-W48-20261220T204227Z" in lines[0] and "failed" in lines[0]
    page = (runs / "index.html").read_text(encoding="utf-8")
    assert check_offline(page) == [] and "31.4" in page


def test_carelib_runs_on_old_lines_prints_no_nan(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "index.jsonl").write_text(json.dumps({"playbook": PLAYBOOK, "run_id": "r1", "status": "ok"}) + "\n"
                                      + "not json\n", encoding="utf-8")
    code, out, err = _cli(capsys, "runs", "--runs", runs)
    assert code == 0 and err == "" and "nan" not in out and out.splitlines()[-1].startswith("history: ")


def test_carelib_runs_without_a_runs_folder_writes_nothing(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    code, out, err = _cli(capsys, "runs", "--runs", missing)
    assert code == 0 and out == f"no runs in {missing}/\n" and err == ""
    assert not missing.exists()


def test_carelib_runs_with_an_empty_runs_folder_writes_a_page_saying_so(tmp_path, capsys):
    code, out, _ = _cli(capsys, "runs", "--runs", tmp_path)
    assert code == 0 and out.splitlines() == [f"no runs in {tmp_path}/", f"history: {tmp_path / 'index.html'}"]
    assert "No playbook run is recorded" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_a_page_that_cannot_be_written_is_one_line_and_keeps_the_old_page(runs, capsys, monkeypatch):
    old = write_history(runs).read_bytes()

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(carelib.run.history, "write_atomic", full)
    code, out, err = _cli(capsys, "runs", "--runs", runs)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 3 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0] == f"carelib runs: cannot write the run history {runs / 'index.html'}: No space left on device"
    assert "history:" not in out and (runs / "index.html").read_bytes() == old
