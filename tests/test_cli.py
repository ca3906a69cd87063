"""The carelib command under attack: every failure is one line on stderr and a documented exit code.

Each probe of issue 14 has its regression test here: YAML in ``-p``, a very long period, an unreadable
workspace file, a full disk, interrupted runs, parameter values outside what a notebook allows, internal
errors, ``--pdf`` without Playwright, and a few real runs of the installed ``carelib`` script whose stderr
must hold no traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carelib.cli import main
from carelib.run.playbook import list_runs
from tests.conftest import ROOT, need
from tests.test_playbook import make_project, project, run  # noqa: F401 - the tiny project fixture

TINY = ROOT / "tests" / "fixtures" / "notebooks" / "tiny.ipynb"
CARELIB = Path(sys.executable).with_name("carelib")
LONG_PERIOD = "2026-W47" + "0" * 5000


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def book(project_: Path) -> Path:
    return project_ / "playbooks" / "tinybook.yml"


def pb(project_: Path, *more) -> list:
    return ["playbook", "run", book(project_), "--data", project_ / "ws", "--runs", project_ / "runs", *more]


@pytest.fixture(scope="module")
def ran_once(tmp_path_factory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("ran"))
    run(folder)
    return folder


@pytest.fixture()
def ran(ran_once, tmp_path) -> Path:
    """A copy of the tiny project after one good run: the cache holds both steps, runs/tinybook/report.html exists."""
    return Path(shutil.copytree(ran_once, tmp_path / "project", symlinks=True))


# --- YAML in -p, a very long period, parameter values outside the rules ----------------------------------------

@pytest.mark.parametrize(
    ("args", "message"),
    [(["run", TINY, "-p", "segments=[a, b"], r"parameter 'segments' expects list\[str\].*got '\[a, b'"),
     (["run", TINY, "-p", "x={a: 1"], r"tiny.ipynb has no parameter 'x'"),
     (["run", TINY, "-p", "weeks"], r"-p expects key=value, got 'weeks'"),
     (["run", TINY, "-p", "weeks=3.5"], r"parameter 'weeks' expects int")],
)
def test_yaml_and_bad_values_in_p_are_one_line_exit_2(capsys, tmp_path, args, message):
    code, out, err = cli(capsys, *args, "--out", tmp_path / "out")
    assert code == 2 and not (tmp_path / "out").exists()
    assert __import__("re").search(message, one_line(err))


def test_yaml_in_p_of_a_playbook_is_one_line_exit_2(project, capsys):  # noqa: F811
    code, _, err = cli(capsys, *pb(project, "-p", "weeks=[a, b"))
    assert code == 2
    assert "playbook tinybook step 'first': tiny.ipynb: parameter 'weeks' expects int" in one_line(err)
    code, _, err = cli(capsys, *pb(project, "-p", "fail={a: 1"))
    assert code == 2 and "parameter 'fail' expects bool" in one_line(err)
    assert not (project / "runs").exists()  # nothing ran, nothing recorded


def test_a_very_long_period_is_refused_in_one_short_line(capsys, demo_dir, tmp_path):
    code, _, err = cli(capsys, "run", ROOT / "notebooks" / "metric_review.ipynb", "-p", f"period={LONG_PERIOD}",
                       "--data", demo_dir, "--out", tmp_path / "out")
    line = one_line(err)
    assert code == 2 and len(line) < 400 and "expects latest, an ISO week such as 2026-W47 or a year or a month such as 2013" in line
    code, _, err = cli(capsys, "playbook", "run", ROOT / "playbooks" / "weekly-care-review.yml",
                       "-p", f"period={LONG_PERIOD}", "--data", demo_dir, "--runs", tmp_path / "runs")
    line = one_line(err)
    assert code == 2 and len(line) < 500 and "step 'metrics'" in line and "(5010 characters)" in line
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("notebook", "param", "message"),
    [("metric_review", "sla_minutes=-5", "parameter 'sla_minutes' expects a number greater than 0"),
     ("voice_of_customer", "baseline=0", "parameter 'baseline' expects an integer from 1 to 104"),
     ("metric_review", "method=exact", "parameter 'method' expects one of adjusted-wald, wald, bootstrap"),
     ("metric_review", "segment=regoin", "parameter 'segment' expects a column of responses"),
     ("service_quality", "by=tema", "parameter 'by' expects a column of tickets"),
     ("segments_and_journeys", "segment_by=shoe", "expects behaviour or a column of customers or responses or reviews"),
     ("metric_review", "period=2013-13", "or a year or a month such as 2013 or 2013-05"),
     ("voice_of_customer", "text_column=body", "have no column 'body'")],  # source auto: every source
)
def test_parameter_values_are_checked_before_any_data_loads(capsys, demo_dir, tmp_path, monkeypatch,
                                                           notebook, param, message):
    import carelib.data.tables
    import carelib.run.notebook

    monkeypatch.setattr(carelib.data.tables, "load_table", lambda *a, **k: pytest.fail("data was loaded"))
    monkeypatch.setattr(carelib.run.notebook, "execute_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    code, _, err = cli(capsys, "run", ROOT / "notebooks" / f"{notebook}.ipynb", "-p", param, "--data", demo_dir,
                       "--out", tmp_path / "out")
    assert code == 2 and message in one_line(err)


def test_a_segment_unknown_to_the_workspace_lists_the_columns(capsys, demo_dir, tmp_path):
    code, _, err = cli(capsys, "run", ROOT / "notebooks" / "voice_of_customer.ipynb", "-p", "source=complaints",
                       "-p", "segment=region", "--data", demo_dir, "--out", tmp_path / "out")
    line = one_line(err)
    assert code == 2 and ("got 'region'; complaints.csv has no column 'region'; its columns are: complaint_id, "
                          "customer_id") in line


def test_playbook_values_are_checked_before_the_data_is_fingerprinted(capsys, demo_dir, tmp_path, monkeypatch):
    import carelib.run.playbook

    monkeypatch.setattr(carelib.run.playbook, "_fingerprint", lambda *a: pytest.fail("the data was read"))
    code, _, err = cli(capsys, "playbook", "run", ROOT / "playbooks" / "weekly-care-review.yml", "-p", "baseline=0",
                       "--data", demo_dir, "--runs", tmp_path / "runs")
    assert code == 2 and "step 'themes': voice_of_customer.ipynb: parameter 'baseline' expects an integer from 1 to 104" \
        in one_line(err)


def test_run_and_playbook_run_read_command_line_text_alike(project, capsys, tmp_path):  # noqa: F811
    _, _, err_run = cli(capsys, "run", TINY, "-p", "weeks=2.5", "--out", tmp_path / "out")
    _, _, err_book = cli(capsys, *pb(project, "-p", "weeks=2.5"))
    assert one_line(err_run).split("tiny.ipynb: ", 1)[1] == one_line(err_book).split("tiny.ipynb: ", 1)[1]


# --- files: unreadable, disk full, no traceback for OS errors ---------------------------------------------------

def test_an_unreadable_workspace_file_is_one_line_exit_2(project, capsys, monkeypatch):  # noqa: F811
    target = project / "ws" / "responses.csv"
    if os.geteuid() != 0:
        target.chmod(0)
    else:  # root reads a chmod-000 file: refuse it the way the kernel would refuse anyone else
        real_open = Path.open

        def refusing(self, *a, **k):
            if self == target:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *a, **k)

        monkeypatch.setattr(Path, "open", refusing)
    try:
        code, _, err = cli(capsys, *pb(project))
    finally:
        target.chmod(0o644)
    line = one_line(err)
    assert code == 2 and f"cannot read workspace file {target}: Permission denied" in line
    assert not (project / "runs").exists()


@pytest.mark.notebook
def test_a_full_disk_while_writing_the_report_fails_cleanly(ran, capsys, monkeypatch):
    import carelib.run.playbook

    report = ran / "runs" / "tinybook" / "report.html"
    before = report.read_bytes()
    real = carelib.run.playbook.write_atomic

    def full(path, data):
        if Path(path).name == "report.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(carelib.run.playbook, "write_atomic", full)
    code, out, err = cli(capsys, *pb(ran))
    line = one_line(err)
    assert code == 3 and "No space left on device" in line and "the last good report was not replaced" in line
    assert report.read_bytes() == before
    assert list_runs(ran / "runs").loc[0, "status"] == "failed"
    assert not list((ran / "runs").rglob("*.tmp"))


@pytest.mark.notebook
def test_a_full_disk_for_real(tmp_path):
    """A 16 kB tmpfs as the output folder (root only; skipped where mounting is not allowed)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tiny tmpfs here (needs root)")
    try:
        proc = subprocess.run([sys.executable, "-m", "carelib.cli", "run", str(TINY), "--out", str(mnt / "out")],
                              capture_output=True, text=True, timeout=120)
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
    assert proc.returncode == 3, proc.stderr
    assert "No space left on device" in one_line(proc.stderr)


def test_os_errors_are_one_line(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = cli(capsys, "run", TINY, "--out", blocker / "out")
    assert code == 2 and f"{blocker / 'out'}: Not a directory" in one_line(err)
    bad = tmp_path / "p.yml"
    bad.write_text("weeks: [1, 2\n")
    code, _, err = cli(capsys, "run", TINY, "--params-file", bad)
    assert code == 2 and "cannot be read as YAML" in one_line(err)


# --- carelib validate: tables, codebook, transcripts; an empty folder is not valid -------------------------------

def test_validate_an_empty_folder_exits_1_saying_what_was_expected(tmp_path, capsys):
    code, out, err = cli(capsys, "validate", tmp_path)
    assert code == 1
    assert out.strip() == (f"no workspace tables found in {tmp_path}: expected one of responses.csv, customers.csv, "
                           "orders.csv, tickets.csv, messages.csv, reviews.csv, complaints.csv, recoveries.csv, "
                           "participants.csv, actions.csv (or .parquet or .jsonl)")
    assert one_line(err) == f"1 problem(s) in {tmp_path}" and "Traceback" not in err


def test_validate_lists_a_codebook_field_and_a_broken_transcript_by_file(tmp_path, capsys):
    (tmp_path / "reviews.csv").write_text("review_id,created_at,text,region\nr1,2012,ok,EMEA\n", encoding="utf-8")
    (tmp_path / "codebook.yml").write_text("- code: late\n  definition: ''\n  keywords: [late]\n", encoding="utf-8")
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "p01.txt").write_text("Interviewer: Hello?\nAna: Hi.\n", encoding="utf-8")
    (tmp_path / "interviews" / "p02.vtt").write_text("WEBVTT\n\nnot a timing line\nhello\n", encoding="utf-8")
    code, out, err = cli(capsys, "validate", tmp_path)
    lines = out.strip().splitlines()
    assert code == 1 and len(lines) == 2, out
    assert lines[0].startswith("codebook.yml entry 1 (late), field 'definition': expected")
    assert lines[1].startswith("interviews/p02.vtt line 3: ")
    assert one_line(err) == f"2 problem(s) in {tmp_path}"


def test_validate_the_demo_exits_0_with_what_was_checked(demo_dir, capsys):
    code, out, err = cli(capsys, "validate", demo_dir)
    assert code == 0 and err == ""
    assert out.strip().endswith("codebook.yml: 13 codes; interviews/: 12 transcript(s)")


# --- internal errors and --debug ---------------------------------------------------------------------------------

def test_an_internal_error_is_one_line_exit_70_and_debug_shows_the_traceback(capsys, monkeypatch, tmp_path):
    import carelib.run.playbook

    def broken(*a, **k):
        raise TypeError("boom")

    monkeypatch.setattr(carelib.run.playbook, "list_runs", broken)
    code, _, err = cli(capsys, "runs", "--runs", tmp_path)
    assert code == 70
    assert one_line(err) == "carelib runs: internal error (TypeError: boom); rerun with --debug for the traceback and report it"
    code, _, err = cli(capsys, "runs", "--runs", tmp_path, "--debug")
    assert code == 70 and "Traceback" in err and 'raise TypeError("boom")' in err


# --- the cache and the run folders under concurrency; permissions ----------------------------------------------

@pytest.mark.notebook
def test_reports_and_findings_are_readable_by_others_respecting_the_umask(ran, capsys):
    runs = ran / "runs" / "tinybook"
    latest = runs / list_runs(ran / "runs").loc[0, "run_id"]
    files = [runs / "report.html", latest / "report.html", latest / "findings.json", latest / "run.log",
             latest / "first.ipynb", *(runs / ".cache").iterdir(), ran / "runs" / "index.jsonl"]
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o666 & ~_umask())}
    old = os.umask(0o027)
    try:
        assert cli(capsys, *pb(ran))[0] == 0
    finally:
        os.umask(old)
    assert oct((runs / "report.html").stat().st_mode & 0o777) == oct(0o640)


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


# --- --pdf ---------------------------------------------------------------------------------------------------------

@pytest.mark.notebook
def test_pdf_without_chromium_says_what_to_install(ran, capsys, monkeypatch):
    import carelib.report.browser

    monkeypatch.setattr(carelib.report.browser, "chromium_path", lambda: None)
    code, out, err = cli(capsys, *pb(ran, "--pdf"))
    assert code == 3 and "install Debian's 'chromium' package" in one_line(err)


@pytest.mark.notebook
def test_pdf_needs_only_the_system_chromium(tmp_path):
    from carelib.report.browser import chromium_path

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    import base64
    import hashlib

    css = "h1 { color: #123456; }"
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    page = tmp_path / "r.html"  # a report whose policy lists the hash of its one stylesheet, as carelib's do
    page.write_text(f"""<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; """
                    f"""style-src 'sha256-{digest}'"><style>{css}</style><title>t</title></head>"""
                    "<body><h1>Report</h1><p>x</p></body></html>")
    code = ("import sys; sys.modules['playwright'] = None\n"  # a plain install has no Playwright
            "from carelib.report.browser import to_pdf\n"
            f"print(to_pdf({str(page)!r}, {str(tmp_path / 'r.pdf')!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "r.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and oct(pdf.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        assert round(doc.pages[0].width) == 595 and round(doc.pages[0].height) == 842  # A4, not Letter


# --- real runs of the installed script -----------------------------------------------------------------------------

def _script() -> Path:
    if not CARELIB.exists():
        pytest.skip(f"no carelib script beside {sys.executable}")
    return CARELIB


@pytest.mark.parametrize(
    ("args", "code"),
    [(["run", "notebooks/metric_review.ipynb", "-p", "segment=[a, b", "--data", "data/demo"], 2),
     (["run", "notebooks/metric_review.ipynb", "-p", "x={a: 1"], 2),
     (["playbook", "run", "weekly-care-review", "-p", f"period={LONG_PERIOD}", "--data", "data/demo"], 2),
     (["playbook", "run", "no-such-book"], 2),
     (["validate", "no/such/folder"], 2)],
)
def test_the_installed_script_never_prints_a_traceback(demo_dir, tmp_path, args, code):
    args = [a if a != "data/demo" else str(demo_dir) for a in args]
    if args[:2] == ["playbook", "run"]:
        args += ["--runs", str(tmp_path / "runs")]
    proc = subprocess.run([str(_script()), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == code and proc.stderr.startswith("carelib "), proc.stderr
    one_line(proc.stderr)


@pytest.mark.notebook
def test_a_successful_run_of_the_script_has_a_quiet_stderr(tmp_path):
    proc = subprocess.run([str(_script()), "run", str(TINY), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "report:" in proc.stdout


def _kernels_of(pid: int) -> list[int]:
    """Processes started by ``pid``'s kernel managers (jupyter_client sets JPY_PARENT_PID in their environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"JPY_PARENT_PID={pid}\0".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _as_in_a_terminal() -> None:
    """The child's Ctrl-C as a terminal gives it: a shell starts a background job with SIGINT ignored, and a
    test run started that way (``make test &``) would hand that on to the command under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_interrupt(cmd: list[str], cwd: Path, sig: int, after: str = "started") -> tuple[subprocess.Popen, float, str]:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_in_a_terminal)  # noqa: PLW1509 - no threads of ours at this point
    deadline = time.time() + 120
    for line in proc.stdout:  # wait until a step's kernel is on its way
        if after in line or time.time() > deadline:
            break
    time.sleep(1.0)
    t0 = time.time()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc, time.time() - t0, err


@pytest.mark.notebook
def test_ctrl_c_stops_a_playbook_within_seconds_and_records_it(demo_dir, tmp_path):
    """SIGINT after the first step started: exit 130 quickly, run recorded as interrupted, old report kept, no kernels."""
    runs = tmp_path / "runs"
    previous = runs / "weekly-care-review" / "report.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("<html>the last good report</html>")
    cmd = [str(_script()), "playbook", "run", "weekly-care-review", "--data", str(demo_dir), "--force",
           "--runs", str(runs)]
    proc, seconds, err = _start_and_interrupt(cmd, ROOT, signal.SIGINT)
    print(f"Ctrl-C to exit: {seconds:.2f} s")  # shown with pytest -s; the brief's target is 2 s
    assert proc.returncode == 130 and seconds <= 5, (seconds, err)
    assert "recorded as interrupted" in one_line(err)
    assert previous.read_text() == "<html>the last good report</html>"
    rec = json.loads((runs / "index.jsonl").read_text().splitlines()[-1])
    assert rec["status"] == "interrupted" and "interrupted" in rec["steps"].values()
    log = (runs / "weekly-care-review" / rec["run_id"] / "run.log").read_text()
    assert ": interrupted in" in log
    time.sleep(0.5)
    assert _kernels_of(proc.pid) == []


@pytest.mark.notebook
def test_sigterm_is_handled_like_ctrl_c(project, tmp_path):  # noqa: F811
    text = book(project).read_text().replace("notebook: notebooks/comments.ipynb",
                                             "notebook: notebooks/comments.ipynb\n    parameters: {sleep: 60}")
    book(project).write_text(text)
    cmd = [sys.executable, "-m", "carelib.cli", *map(str, pb(project, "--force"))]
    proc, seconds, err = _start_and_interrupt(cmd, project, signal.SIGTERM, after="comments: started")
    assert proc.returncode == 143 and seconds <= 5, (seconds, err)
    assert "stopped by SIGTERM" in one_line(err)
    assert list_runs(project / "runs").loc[0, "status"] == "interrupted"
    time.sleep(0.5)
    assert _kernels_of(proc.pid) == []


# --- make demo -----------------------------------------------------------------------------------------------------

@pytest.mark.notebook
def test_make_demo_shows_progress_and_keeps_the_exit_code():
    lines = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0].splitlines()
    recipe = [ln.strip() for ln in lines[1:] if ln.startswith("\t")]
    assert recipe and all("|" not in ln for ln in recipe), recipe  # a pipe would hide the exit code
    assert any("carelib playbook run weekly-care-review --data data/demo" in ln for ln in recipe)
