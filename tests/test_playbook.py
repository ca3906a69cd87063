"""Playbooks: templated steps, cache, run index, failures, escaping, interruption."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carelib.errors import ParameterError, RunError
from carelib.playbook import list_runs, load_playbook, run_playbook

FIX = Path(__file__).parent / "fixtures" / "notebooks"
HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(2)">click</a>',
    "Fish &amp; chips &lt;3 &#x27;quoted&#x27;",
]

BOOK = """
title: Tiny weekly review
audience: the test team
cadence: weekly
practice: |
  1. Open with **one** customer's case.
parameters:
  weeks: 2
  fail: false
steps:
  - id: first
    notebook: notebooks/tiny.ipynb
    parameters: {weeks: "{weeks}", fail: "{fail}"}
  - id: comments
    title: What customers wrote
    notebook: notebooks/comments.ipynb
lead_findings: ["comments.*"]
"""


@pytest.fixture()
def project(tmp_path) -> Path:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "playbooks").mkdir()
    for name in ("tiny.ipynb", "comments.ipynb"):
        shutil.copy(FIX / name, tmp_path / "notebooks" / name)
    (tmp_path / "playbooks" / "tinybook.yml").write_text(BOOK, encoding="utf-8")
    ws = tmp_path / "ws"
    ws.mkdir()
    rows = "".join(f'r{i},C{i},2026-05-18,nps,{i},"{h.replace(chr(34), chr(34) * 2)}"\n' for i, h in enumerate(HOSTILE))
    (ws / "responses.csv").write_text("response_id,customer_id,submitted_at,survey,score,comment\n" + rows, encoding="utf-8")
    return tmp_path


def run(project: Path, **kw):
    return run_playbook(
        "tinybook", kw.pop("params", {}), data=project / "ws", runs_dir=project / "runs",
        playbooks_dir=project / "playbooks", progress=lambda m: None, **kw,
    )


def test_playbook_definition_is_checked(project):
    book = load_playbook(project / "playbooks" / "tinybook.yml")
    assert [s.id for s in book.steps] == ["first", "comments"] and book.cadence == "weekly"
    bad = project / "playbooks" / "bad.yml"
    bad.write_text("title: x\nsteps:\n  - id: a\n    notebook: notebooks/none.ipynb\n")
    with pytest.raises(ParameterError, match="notebook 'notebooks/none.ipynb' not found"):
        load_playbook(bad)
    bad.write_text("title: x\nsteps:\n  - id: a\n    notebook: notebooks/tiny.ipynb\n    after: [zz]\n")
    with pytest.raises(ParameterError, match="unknown steps"):
        load_playbook(bad)


def test_run_renders_report_findings_first_and_caches(project):
    first = run(project, params={"weeks": 3})
    assert first.status == "ok" and [r.status for r in first.steps] == ["ran", "ran"]
    page = (project / "runs" / "tinybook" / "report.html").read_text(encoding="utf-8")
    assert page.index("Key findings") < page.index("What customers wrote")
    assert page.index("First comment") < page.index("A value &lt;b&gt;")  # lead findings first
    assert "Open with <strong>one</strong> customer" in page
    assert (first.folder / "findings.json").exists() and (first.folder / "run.log").exists()
    again = run(project, params={"weeks": 3})
    assert [r.status for r in again.steps] == ["cached", "cached"]
    changed = run(project, params={"weeks": 4})
    assert [r.status for r in changed.steps] == ["ran", "cached"]
    (project / "ws" / "responses.csv").write_text(
        (project / "ws" / "responses.csv").read_text() + "r9,C9,2026-05-19,nps,9,new\n", encoding="utf-8"
    )
    data_changed = run(project, params={"weeks": 4})
    assert [r.status for r in data_changed.steps] == ["ran", "ran"]  # data fingerprint is in the key
    forced = run(project, params={"weeks": 4}, force=True)
    assert [r.status for r in forced.steps] == ["ran", "ran"]
    runs = list_runs(project / "runs")
    assert len(runs) == 5 and runs.loc[0, "run_id"] == forced.run_id and set(runs["status"]) == {"ok"}


def test_customer_text_is_escaped_in_the_report(project):
    from carelib.report import check_offline

    run(project)
    page = (project / "runs" / "tinybook" / "report.html").read_text(encoding="utf-8")
    assert check_offline(page) == []
    assert "<script>alert" not in page and "<img src=x" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page or "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert "Fish &amp;amp; chips &amp;lt;3" in page  # entities shown as typed, not decoded


def test_failed_step_keeps_last_good_report(project):
    run(project)
    report = project / "runs" / "tinybook" / "report.html"
    before = report.read_bytes()
    with pytest.raises(RunError, match=r"failed at step 'first'.*planted failure.*last good report was not replaced"):
        run(project, params={"fail": True})
    assert report.read_bytes() == before
    runs = list_runs(project / "runs")
    assert runs.loc[0, "status"] == "failed"
    assert next((project / "runs" / "tinybook" / runs.loc[0, "run_id"]).glob("first.failed.ipynb"))


def test_unknown_parameter_refused(project):
    with pytest.raises(ParameterError, match=r"has no parameter\(s\) \['colour'\]"):
        run(project, params={"colour": "red"})


def test_killing_a_run_leaves_the_previous_report_identical(project):
    run(project)
    report = project / "runs" / "tinybook" / "report.html"
    before = report.read_bytes()
    book = (project / "playbooks" / "tinybook.yml").read_text()
    (project / "playbooks" / "tinybook.yml").write_text(book.replace("notebook: notebooks/comments.ipynb", "notebook: notebooks/comments.ipynb\n    parameters: {sleep: 30}"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "carelib.cli", "playbook", "run", "tinybook", "--data", "ws", "--force"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until the slow step is under way
        line = proc.stdout.readline()
        if "first: ran" in line or "comments" in line and "start" in line:
            break
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert report.read_bytes() == before
    assert not list((project / "runs" / "tinybook").glob("*.tmp"))
