"""Playbooks: a practice (YAML) that runs notebooks and hands leadership one report.

A playbook file in ``playbooks/`` names its title, audience, cadence, the practice in
Markdown (agenda, roles, decisions), default parameters, and steps: a notebook and its
parameters, templated with ``{period}`` and any other playbook parameter. Running it:

1. resolves parameters (defaults < ``-p`` values; command-line text is typed by the one
   rule of :func:`carelib.run.notebook.value_from_text`, with the type of the notebook parameter
   the playbook parameter fills) and checks each step's parameters against its notebook's types
   and rules (a ``column of`` rule reads table headers only) before any data is read;
2. executes the steps with papermill, independent steps in parallel (2 workers), into
   ``runs/NAME/RUN_ID/`` — a step whose cache key (notebook source, parameters, data
   fingerprint, every file of the carelib package — code and packaged YAML alike —,
   installed package versions) is unchanged is copied from the cache instead of run;
3. renders one self-contained report (findings first, then the practice, the sections,
   the definitions appendix and the provenance footer) and replaces
   ``runs/NAME/report.html`` atomically, only when every step succeeded;
4. appends the run (status, duration, headline values) to ``runs/index.jsonl``.

Ctrl-C (or SIGTERM) kills the running kernels at once, cancels the steps not yet started,
records the run as ``interrupted`` (``run.log`` and the index) and leaves the last good
report as it was. Every file is written through :mod:`carelib.files` (unique temporary
names, whole files, ordinary permissions).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata as md
import json
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from carelib.errors import DataError, ParameterError, RunError
from carelib.files import append_line, copy_atomic, write_atomic
from carelib.run import kernels
from carelib.run.playbook_file import (
    TEMPLATE,
    Playbook,
    PlaybookRun,
    Step,
    StepResult,
    find_playbook,
    load_playbook,
    render_template,
)

__all__ = [
    "Step",
    "Playbook",
    "StepResult",
    "PlaybookRun",
    "load_playbook",
    "find_playbook",
    "run_playbook",
    "list_runs",
    "cache_key",
]

_KEY_PACKAGES = ("pandas", "numpy", "scipy", "matplotlib", "scikit-learn", "narwhals", "papermill", "nbconvert",
                 "vaderSentiment", "pyarrow", "duckdb")


def _package_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in _KEY_PACKAGES:
        with contextlib.suppress(md.PackageNotFoundError):
            out[name] = md.version(name)
    return out


def _carelib_files_hash(root: Path | None = None) -> str:
    """Every file of the carelib package (code and packaged data such as phrase lists and metric definitions)."""
    root = root or Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    files = (p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for p in sorted(files):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_key(notebook: Path, parameters: dict[str, Any], fingerprint: str, versions: dict[str, str]) -> str:
    """What a step's output depends on: notebook source, parameters, data, code and packages.

    Parameters
    ----------
    notebook : Path
        The step's notebook; its bytes are hashed.
    parameters : dict
        The step's parameter values (hashed as sorted JSON; other values by ``str``).
    fingerprint : str
        The workspace's data fingerprint (:meth:`carelib.data.tables.Workspace.fingerprint`).
    versions : dict of str to str
        Package → version, carelib's own files hash included.

    Returns
    -------
    str
        24 hexadecimal characters of SHA-256; the same inputs give the same key.
    """
    h = hashlib.sha256()
    h.update(notebook.read_bytes())
    h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    h.update(fingerprint.encode())
    h.update(json.dumps(versions, sort_keys=True).encode())
    return h.hexdigest()[:24]


def _progress(msg: str) -> None:
    print(msg, flush=True)


def _order(steps: tuple[Step, ...]) -> list[list[Step]]:
    """Steps in waves: each wave only depends on earlier waves (checks there is no cycle)."""
    done: set[str] = set()
    waves = []
    pending = list(steps)
    while pending:
        wave = [s for s in pending if set(s.after) <= done]
        if not wave:
            raise ParameterError(f"steps {[s.id for s in pending]} depend on each other in a cycle")
        waves.append(wave)
        done |= {s.id for s in wave}
        pending = [s for s in pending if s.id not in done]
    return waves


_DONE = ("ran", "cached")


def _run_step(step: Step, nb: Path, params: dict[str, Any], folder: Path, cache: Path, key: str) -> StepResult:
    """Execute one step into ``folder`` and store it in the cache; never raises (a worker thread's result)."""
    from carelib.run.notebook import execute_notebook

    target = folder / f"{step.id}.ipynb"
    staging = folder / f"{step.id}.running.ipynb"  # the run folder is this run's own
    started = time.time()
    try:
        execute_notebook(nb, staging, params)
        os.replace(staging, target)
        copy_atomic(target, cache / f"{key}.ipynb")  # unique temporary name: concurrent runs never collide
    except BaseException as exc:  # reported as the step's result
        stopped = kernels.stopping() or isinstance(exc, KeyboardInterrupt)
        end = folder / f"{step.id}.{'interrupted' if stopped else 'failed'}.ipynb"
        with contextlib.suppress(OSError):
            os.replace(staging, end)
        if stopped:
            return StepResult(step, "interrupted", time.time() - started, None, "interrupted", key)
        error = str(exc) if isinstance(exc, RunError) else f"{type(exc).__name__}: {exc}"
        return StepResult(step, "failed", time.time() - started, end if end.exists() else None, error, key)
    return StepResult(step, "ran", time.time() - started, target, cache_key=key)


class _Scheduler:
    """Runs steps as soon as the steps they come after are done, at most ``workers`` at once.

    Workers are daemon threads and the main thread only waits on a queue, so Ctrl-C lands at
    once; :meth:`stop` kills the kernels and gives the workers a moment to wind down.
    """

    def __init__(self, book: Playbook, resolved: dict[str, tuple[Path, dict[str, Any], str]], folder: Path,
                 cache: Path, force: bool, workers: int, progress: Any, absent: dict[str, str] | None = None) -> None:
        self.book, self.resolved, self.folder, self.cache = book, resolved, folder, cache
        self.absent = dict(absent or {})
        self.force, self.workers, self.progress = force, max(1, workers), progress
        self.results: dict[str, StepResult] = {}
        self.running: dict[str, threading.Thread] = {}
        self._done: queue.Queue[StepResult] = queue.Queue()

    def _finish(self, r: StepResult) -> None:
        self.results[r.step.id] = r
        n, total = len(self.results), len(self.book.steps)
        what = {"ran": f"done in {r.seconds:.1f} s", "cached": "cached",
                "failed": f"failed after {r.seconds:.1f} s: {r.error}",
                "skipped": f"skipped ({r.error})"}.get(r.status, r.status)
        self.progress(f"[{n}/{total}] {r.step.id}: {what}")

    def _ready(self) -> list[Step]:
        pending = [s for s in self.book.steps if s.id not in self.results and s.id not in self.running]
        for s in pending:
            if s.id in self.absent:
                self._finish(StepResult(s, "skipped", error=self.absent[s.id]))
                continue
            before = [self.results[a] for a in s.after if a in self.results and self.results[a].status not in _DONE]
            if before:
                why = "an earlier step failed" if any(b.status != "skipped" for b in before) else \
                    f"it comes after {', '.join(b.step.id for b in before)}, which was skipped"
                if all(b.step.id in self.absent for b in before):
                    self.absent[s.id] = why
                self._finish(StepResult(s, "skipped", error=why))
        return [s for s in pending if s.id not in self.results
                and all(a in self.results and self.results[a].status in _DONE for a in s.after)]

    def _start(self, s: Step) -> None:
        nb, typed, key = self.resolved[s.id]
        hit = self.cache / f"{key}.ipynb"
        if hit.exists() and not self.force:
            copy_atomic(hit, self.folder / f"{s.id}.ipynb")
            self._finish(StepResult(s, "cached", 0.0, self.folder / f"{s.id}.ipynb", cache_key=key))
            return
        self.progress(f"      {s.id}: started ({s.notebook})")
        worker = threading.Thread(
            target=lambda: self._done.put(_run_step(s, nb, typed, self.folder, self.cache, key)),
            name=f"carelib-step-{s.id}", daemon=True,
        )
        self.running[s.id] = worker
        worker.start()

    def run(self) -> dict[str, StepResult]:
        while len(self.results) < len(self.book.steps):
            before = len(self.results)
            for s in self._ready():
                if s.id in self.results or len(self.running) >= self.workers:
                    continue
                self._start(s)
            if not self.running:
                if len(self.results) == before:  # nothing can move (a cycle; load_playbook refuses those)
                    raise RunError(f"playbook {self.book.name}: steps cannot be ordered")
                continue  # cached or skipped steps may have made others ready
            try:
                r = self._done.get(timeout=0.2)
            except queue.Empty:
                continue
            self.running.pop(r.step.id, None)
            self._finish(r)
        return self.results

    def stop(self, grace: float = 0.5) -> None:
        """Kill the kernels, cancel what has not started, give running workers ``grace`` seconds."""
        kernels.stop_all()
        deadline = time.time() + grace
        for worker in list(self.running.values()):
            worker.join(max(0.0, deadline - time.time()))
        while True:
            try:
                r = self._done.get_nowait()
            except queue.Empty:
                break
            self.running.pop(r.step.id, None)
            self.results[r.step.id] = r if r.status in _DONE else StepResult(r.step, "interrupted", r.seconds,
                                                                            error="interrupted", cache_key=r.cache_key)
        for s in self.book.steps:
            if s.id not in self.results:
                was_running = s.id in self.running
                self.results[s.id] = StepResult(s, "interrupted" if was_running else "cancelled",
                                                error="interrupted" if was_running else "not started",
                                                cache_key=self.resolved[s.id][2])


def _param_types(book: Playbook) -> dict[str, str]:
    """Each playbook parameter's type: that of the notebook parameter it fills whole (``"{window}"``).

    A parameter used inside longer text is ``str``; one no step uses takes the type of its default.
    """
    from carelib.run.notebook import notebook_parameters

    types: dict[str, str] = {}
    for step in book.steps:
        declared = notebook_parameters(book.root / step.notebook)
        for key, value in step.parameters.items():
            if not isinstance(value, str):
                continue
            whole = TEMPLATE.fullmatch(value)
            if whole and key in declared:
                types.setdefault(whole.group(1), declared[key].type)
            else:
                for name in TEMPLATE.findall(value):
                    types.setdefault(name, "str")
    for name, default in book.parameters.items():
        types.setdefault(name, type(default).__name__ if isinstance(default, str | int | float | bool) else "any")
    return types


def _run_label(params: dict[str, Any]) -> str:
    """The readable part of a run id: the period, made safe and short for a folder name."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", str(params.get("period", "run"))).strip("-.")[:40]
    return label or "run"


def _new_run_folder(base: Path, params: dict[str, Any]) -> Path:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{_run_label(params)}-{stamp}"
    base.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):  # two runs in the same second: the first to create a name has it
        folder = base / (run_id if n == 1 else f"{run_id}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise RunError(f"cannot find a free run folder name under {base}")


def _fingerprint(data_dir: Path | None) -> str:
    from carelib.data.tables import Workspace

    if data_dir is None:
        return "no-data"
    try:
        return Workspace(data_dir).fingerprint()
    except OSError as exc:
        where = exc.filename or data_dir
        raise DataError(f"cannot read workspace file {where}: {exc.strerror or exc}") from exc


def _latest_week(data_dir: Path) -> str:
    """The latest ISO week with a dated row in the workspace, once for every step (and the run's label);
    ``"latest"`` again when nothing is dated, so each notebook says what it can do without dates."""
    from carelib.practices import common

    try:
        ws = common.open_workspace(str(data_dir))  # week partitions: counted on DuckDB, never loaded whole
        return common.resolve_period("latest", common.weeks_of_tables(ws))
    except ParameterError:
        return "latest"


def _absent(book: Playbook, params: dict[str, Any], data_dir: Path | None) -> dict[str, str]:
    """Steps whose ``needs`` the workspace lacks, each with the sentence the report shows.

    A need is a table (present when its file is), ``interviews`` (a transcripts folder with a file), or
    alternatives ``a|b`` (any one present). Without a data folder nothing is checked.
    """
    from carelib.data.tables import Workspace

    if data_dir is None:
        return {}
    ws = Workspace(data_dir, engine="auto")  # a folder of week partitions is a table too
    have = set(ws.available())
    folder = data_dir / "interviews"
    if folder.is_dir() and any(p.is_file() for p in folder.iterdir()):
        have.add("interviews")
    out = {}
    for step in book.steps:
        needs = [str(render_template(n, params, f"playbook {book.name} step {step.id!r}")) for n in step.needs]
        missing = [n for n in needs if not set(n.split("|")) & have]
        if missing:
            wanted = " and ".join(" or ".join(n.split("|")) for n in missing)
            out[step.id] = (f"needs {wanted}; the workspace has "
                            + (", ".join(sorted(have)) if have else "no table"))
    return out


def _without_a_default(nb: Path, templates: dict[str, Any], rendered: dict[str, Any], given: Iterable[str],
                       data_dir: Path | None) -> dict[str, Any] | None:
    """The step's typed parameters without the one playbook default that made them fail, or None."""
    from carelib.run.notebook import coerce_parameters

    defaults = [k for k, v in templates.items()
                if isinstance(v, str) and v.startswith("{") and v.endswith("}") and v[1:-1] not in set(given)]
    for key in defaults:
        try:
            return coerce_parameters(nb, {k: v for k, v in rendered.items() if k != key}, data=data_dir)
        except ParameterError:
            continue
    return None


def _check_steps(book: Playbook, params: dict[str, Any], data_dir: Path | None,
                 given: Iterable[str] = ()) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Each step's notebook and typed parameters, checked against the notebook's types and rules.

    A value the user gave must pass. A playbook default that this workspace cannot take (the demo's ``plan``
    column in a workspace without one) is not passed on: the notebook keeps its own default and each section
    says what it cannot show, rather than the whole run failing on a value nobody chose.
    """
    from carelib.run.notebook import DATA_PARAMETER, coerce_parameters

    checked = {}
    for step in book.steps:
        nb = book.root / step.notebook
        where = f"playbook {book.name} step {step.id!r}"
        rendered = render_template(step.parameters, params, where)
        try:
            typed = coerce_parameters(nb, rendered, data=data_dir)
        except ParameterError as exc:
            typed = _without_a_default(nb, step.parameters, rendered, given, data_dir)
            if typed is None:
                raise ParameterError(f"{where}: {exc}") from None
        if data_dir is not None:
            typed[DATA_PARAMETER] = str(data_dir.resolve())
        checked[step.id] = (nb, typed)
    return checked


def run_playbook(
    name: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    data: str | Path | None = None,
    runs_dir: str | Path = "runs",
    playbooks_dir: str | Path = "playbooks",
    force: bool = False,
    workers: int = 2,
    progress: Any = _progress,
    strings: bool = False,
) -> PlaybookRun:
    """Run a playbook and render its report (see the module docstring).

    Parameters
    ----------
    name : str or Path
        Playbook name (file stem in ``playbooks_dir``) or path to its YAML.
    parameters : dict, optional
        Playbook parameters (``period`` ...), overriding the file's defaults.
    data : str or Path, optional
        The workspace folder; fills every step's ``data_dir``.
    force : bool
        Run every step even when its cache key is unchanged.
    strings : bool
        Parameter values are command-line text, typed by :func:`carelib.run.notebook.value_from_text`
        with the type of the notebook parameter they fill.
    workers : int
        Steps run at once when independent.
    progress : callable
        Called with one line per step event (started, done in N s, cached, failed, skipped).

    Returns
    -------
    PlaybookRun
        Raises :class:`RunError` after recording the failed run when a step fails; the last
        good report is left untouched. On KeyboardInterrupt the run is recorded as
        ``interrupted`` and the interrupt re-raised.
    """
    from carelib.run.notebook import DATA_PARAMETER, value_from_text

    book = load_playbook(find_playbook(name, playbooks_dir))
    unknown = set(parameters or {}) - set(book.parameters)
    if unknown:
        raise ParameterError(f"playbook {book.name} has no parameter(s) {sorted(unknown)}; known: {sorted(book.parameters)}")
    given = dict(parameters or {})
    if strings:
        types = _param_types(book)
        given = {k: value_from_text(v, types.get(k, "any")) if isinstance(v, str) else v for k, v in given.items()}
    params = {**book.parameters, **given}
    data_dir = Path(data) if data is not None else None
    if data_dir is not None and not data_dir.is_dir():
        raise DataError(f"data folder {str(data)!r} does not exist or is not a folder")
    if params.get("period") == "latest" and data_dir is not None:
        params["period"] = _latest_week(data_dir)
    _order(book.steps)
    checked = _check_steps(book, params, data_dir, given)  # before any data is read
    fingerprint = _fingerprint(data_dir)
    versions = {**_package_versions(), "carelib-files": _carelib_files_hash()}
    resolved = {sid: (nb, typed, cache_key(nb, {k: v for k, v in typed.items() if k != DATA_PARAMETER},
                                           fingerprint, versions)) for sid, (nb, typed) in checked.items()}

    started = time.time()
    base = Path(runs_dir) / book.name
    folder = _new_run_folder(base, params)
    run = PlaybookRun(book.name, folder.name, folder, "running", 0.0, started=started)
    absent = _absent(book, params, data_dir)
    if absent and len(absent) == len(book.steps):
        raise DataError(f"playbook {book.name}: no step can run on this workspace: "
                        + "; ".join(f"{sid} {why}" for sid, why in absent.items()))
    scheduler = _Scheduler(book, resolved, folder, base / ".cache", force, workers, progress, absent)
    kernels.allow_starts()
    try:
        _write_log(run, params)  # "running": what a run killed outright (SIGKILL, power cut) leaves behind
        results = scheduler.run()
        run.steps = [results[s.id] for s in book.steps]
        failed = [r for r in run.steps if r.status not in _DONE and not (r.status == "skipped" and r.step.id in scheduler.absent)]
        run.status = "failed" if failed else "ok"
        run.seconds = time.time() - started  # the steps' time, shown in the report's provenance
        if not failed:
            _write_report(book, run, params, data, fingerprint, versions, base)
    except KeyboardInterrupt as exc:
        with _signals_held():
            scheduler.stop()
            run.steps = [scheduler.results[s.id] for s in book.steps]
            run.status, run.report = "interrupted", None
            run.seconds = time.time() - started
            _record(run, params, Path(runs_dir), quiet=True)
        exc.args = (f"run {run.run_id} stopped after {run.seconds:.1f} s and recorded as interrupted; "
                    f"the last good report was not replaced",)
        raise
    except OSError as exc:  # the disk is full, the folder is not writable ...
        run.status, run.report = "failed", None
        run.steps = [scheduler.results.get(s.id) or StepResult(s, "skipped") for s in book.steps]
        run.seconds = time.time() - started
        _record(run, params, Path(runs_dir), quiet=True)
        raise RunError(f"playbook {book.name}: cannot write {exc.filename or 'the report'}: "
                       f"{exc.strerror or exc}; the last good report was not replaced") from exc
    run.seconds = time.time() - started
    _record(run, params, Path(runs_dir), quiet=run.status != "ok")
    if run.status != "ok":
        first = next(r for r in run.steps if r.status == "failed")
        raise RunError(f"playbook {book.name} failed at step {first.step.id!r}: {first.error}; "
                       f"the executed notebook is {first.executed}; the last good report was not replaced")
    return run


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """While the interrupted run is recorded, a second Ctrl-C or SIGTERM must not cut the record short; the
    handlers are given back afterwards (a kernel or a program that called :func:`run_playbook` keeps its own
    Ctrl-C). Main thread only: elsewhere signals cannot be set."""
    held = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, OSError):
                held[sig] = signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, handler in held.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _write_report(book: Playbook, run: PlaybookRun, params: dict[str, Any], data: Any, fingerprint: str,
                  versions: dict[str, str], base: Path) -> None:
    from carelib.run.playbook_report import read_actions, render_playbook_report

    last = _last_good_run(base, run.run_id)
    run.findings, html = render_playbook_report(book, run, params, data, fingerprint, versions, last=last)
    write_atomic(run.folder / "report.html", html)
    write_atomic(run.folder / "findings.json", json.dumps(run.findings, indent=2, sort_keys=True) + "\n")
    actions = read_actions(data)
    if actions is not None and {"action_id", "status"} <= set(actions.columns):
        statuses = dict(zip(actions["action_id"].astype(str), actions["status"].astype(str), strict=True))
        write_atomic(run.folder / "actions.json", json.dumps(statuses, indent=2, sort_keys=True) + "\n")
    write_atomic(base / "report.html", html)  # the latest good report, replaced whole
    run.report = base / "report.html"


def _last_good_run(base: Path, current: str) -> Any:
    """The newest good run of this playbook before ``current`` (its findings and action statuses), or None."""
    from carelib.run.playbook_report import LastRun

    index = base.parent / "index.jsonl"
    if not index.is_file():
        return None
    for line in reversed(index.read_text(encoding="utf-8").splitlines()):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("playbook") != base.name or rec.get("status") != "ok" or rec.get("run_id") == current:
            continue
        folder = base / str(rec.get("run_id"))
        try:
            found = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        try:
            actions = json.loads((folder / "actions.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            actions = None
        return LastRun(str(rec["run_id"]), str(rec.get("period") or ""), found, actions)
    return None


def _record(run: PlaybookRun, params: dict[str, Any], runs_dir: Path, *, quiet: bool) -> None:
    """run.log in the run's folder and a line in the index; ``quiet``: a failure to write is not raised."""
    try:
        _write_log(run, params)
        _append_index(runs_dir, run, params)
    except OSError:
        if not quiet:
            raise


def _write_log(run: PlaybookRun, params: dict[str, Any]) -> None:
    lines = [f"playbook {run.playbook} run {run.run_id}: {run.status} in {run.seconds:.1f} s",
             f"parameters: {json.dumps(params, sort_keys=True, default=str)}"]
    lines += [f"step {r.step.id}: {r.status} {r.seconds:.1f} s key={r.cache_key}" + (f" error={r.error}" if r.error else "")
              for r in run.steps]
    write_atomic(run.folder / "run.log", "\n".join(lines) + "\n")


def _headline(findings: list[dict[str, Any]], limit: int = 4) -> str:
    parts = [f"{f.get('label')}: {f.get('text')}" for f in findings if f.get("kind", "metric") == "metric"]
    return "; ".join(parts[:limit])


def _append_index(runs_dir: Path, run: PlaybookRun, params: dict[str, Any] | None = None) -> None:
    from carelib.report.brief import numbers

    rec = {
        "playbook": run.playbook, "run_id": run.run_id, "status": run.status, "seconds": round(run.seconds, 1),
        "period": str((params or {}).get("period", "") or ""),
        "started": _dt.datetime.fromtimestamp(run.started, tz=_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        if run.started else "",
        "steps": {r.step.id: r.status for r in run.steps},
        "headline": _headline(run.findings),
        "numbers": numbers(run.findings),
        "report": str(run.folder / "report.html") if run.report else None,
    }
    append_line(runs_dir / "index.jsonl", json.dumps(rec, sort_keys=True))


def list_runs(runs_dir: str | Path = "runs", playbook: str | None = None) -> pd.DataFrame:
    """Past runs, newest first: playbook, run id, status, seconds, headline values."""
    index = Path(runs_dir) / "index.jsonl"
    cols = ["playbook", "run_id", "status", "seconds", "headline", "report"]
    if not index.exists():
        return pd.DataFrame(columns=cols)
    rows = []
    for line in index.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            rows.append(json.loads(line))
    frame = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)
    if playbook:
        frame = frame[frame["playbook"] == playbook]
    return frame.iloc[::-1].reset_index(drop=True)


def read_step_notebook(path: Path) -> nbformat.NotebookNode:
    """An executed step notebook."""
    return nbformat.read(path, as_version=4)
