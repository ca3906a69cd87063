"""Playbooks: templated steps, cache, run index, failures, escaping, interruption."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carelib.errors import ParameterError, RunError
from carelib.run.playbook import list_runs, load_playbook, run_playbook

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
    return make_project(tmp_path)


def make_project(tmp_path: Path) -> Path:
    """A project folder with the tiny playbook, its two notebooks and a workspace of hostile comments."""
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


@pytest.mark.notebook
def test_run_renders_report_findings_first_and_caches(project):
    first = run(project, params={"weeks": 3})
    assert first.status == "ok" and [r.status for r in first.steps] == ["ran", "ran"]
    page = (project / "runs" / "tinybook" / "report.html").read_text(encoding="utf-8")
    assert page.index("The brief") < page.index("What customers wrote")
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


@pytest.mark.notebook
def test_customer_text_is_escaped_in_the_report(project):
    from carelib.report.html import check_offline

    run(project)
    page = (project / "runs" / "tinybook" / "report.html").read_text(encoding="utf-8")
    assert check_offline(page) == []
    assert "<script>alert" not in page and "<img src=x" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page or "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert "Fish &amp;amp; chips &amp;lt;3" in page  # entities shown as typed, not decoded


@pytest.mark.notebook
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


@pytest.mark.notebook
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
    killed = max((project / "runs" / "tinybook").glob("*/run.log"), key=lambda p: p.stat().st_mtime)
    assert ": running in" in killed.read_text()  # the killed run left its trace


@pytest.mark.notebook
def test_progress_is_one_line_per_step_event(project):
    lines: list[str] = []
    run_playbook("tinybook", {}, data=project / "ws", runs_dir=project / "runs", playbooks_dir=project / "playbooks",
                 progress=lines.append)
    assert sorted(ln.split(":")[0].strip() for ln in lines if "started" in ln) == ["comments", "first"]
    done = [ln for ln in lines if "done in" in ln]
    assert len(done) == 2 and all(re.fullmatch(r"\[[12]/2\] (first|comments): done in \d+\.\d s", ln) for ln in done)
    lines.clear()
    run_playbook("tinybook", {}, data=project / "ws", runs_dir=project / "runs", playbooks_dir=project / "playbooks",
                 progress=lines.append)
    assert lines == ["[1/2] first: cached", "[2/2] comments: cached"]


def test_the_cache_key_covers_every_packaged_file(tmp_path):
    """Editing a packaged phrase list or metric definition must not serve stale cached steps."""
    from carelib.run.playbook import _carelib_files_hash

    pkg = Path(__file__).resolve().parents[1] / "carelib"
    copy = Path(shutil.copytree(pkg, tmp_path / "carelib", ignore=shutil.ignore_patterns("__pycache__")))
    before = _carelib_files_hash(copy)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert _carelib_files_hash(copy) == before  # compiled files are not sources
    yml = copy / "resources" / "service_phrases.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert _carelib_files_hash(copy) != before
    assert _carelib_files_hash() == _carelib_files_hash(pkg)


def test_concurrent_writers_never_share_a_temporary_file(tmp_path):
    """Two runs storing one cache entry at once (the probe saw 73 collisions in 300): unique temporary names."""
    import threading

    from carelib.files import copy_atomic, write_atomic

    sources = []
    for i in range(8):
        src = tmp_path / f"src{i}.ipynb"
        src.write_text(f"notebook {i}\n" * 2000)
        sources.append(src)
    target = tmp_path / "cache" / "key.ipynb"
    errors: list[BaseException] = []
    start = threading.Barrier(len(sources))

    def store(src: Path) -> None:
        start.wait()
        try:
            for _ in range(25):
                copy_atomic(src, target)
                write_atomic(tmp_path / "cache" / "other.txt", src.read_text())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_text() in {s.read_text() for s in sources}  # whole, from one writer
    assert sorted(p.name for p in target.parent.iterdir()) == ["key.ipynb", "other.txt"]  # no temporary file left


def test_two_runs_in_one_second_get_their_own_folders(tmp_path):
    from carelib.run.playbook import _new_run_folder

    folders = {_new_run_folder(tmp_path, {"period": "2026-W47"}) for _ in range(5)}
    assert len(folders) == 5 and all(f.is_dir() for f in folders)
    long = _new_run_folder(tmp_path, {"period": "2026-W47" + "0" * 5000 + "/../x"})
    assert long.parent == tmp_path and len(long.name) < 80


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import errno

    import carelib.files as files

    target = tmp_path / "report.html"
    files.write_atomic(target, "old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OSError, match="No space left"):
        files.write_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.notebook
def test_an_interrupted_run_gives_ctrl_c_back_to_its_caller(project, monkeypatch):
    """Recording an interrupted run holds Ctrl-C and SIGTERM, then gives back the caller's handlers: a kernel that
    ran a playbook (or a test process) can still be interrupted afterwards."""
    from carelib.run import playbook

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(playbook._Scheduler, "run", interrupted)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt, match="recorded as interrupted"):
        run(project, force=True)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert list_runs(project / "runs").loc[0, "status"] == "interrupted"
    monkeypatch.undo()  # the next run starts kernels again (the stop lasts until a run begins)
    assert run(project, force=True).status == "ok"
