"""Playbooks: a practice (YAML) that runs notebooks and hands leadership one report.

A playbook file in ``playbooks/`` names its title, audience, cadence, the practice in
Markdown (agenda, roles, decisions), default parameters, and steps: a notebook and its
parameters, templated with ``{period}`` and any other playbook parameter. Running it:

1. resolves parameters (defaults < ``-p`` values) and checks each step's parameters
   against its notebook's declared types before anything runs;
2. executes the steps with papermill, independent steps in parallel (2 workers), into
   ``runs/NAME/RUN_ID/`` — a step whose cache key (notebook source, parameters, data
   fingerprint, carelib source, installed package versions) is unchanged is copied
   from the cache instead of run;
3. renders one self-contained report (findings first, then the practice, the sections,
   the definitions appendix and the provenance footer) and replaces
   ``runs/NAME/report.html`` atomically, only when every step succeeded;
4. appends the run (status, duration, headline values) to ``runs/index.jsonl``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as _dt
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import yaml

from carelib.errors import ParameterError, RunError

__all__ = [
    "Step",
    "Playbook",
    "StepResult",
    "PlaybookRun",
    "load_playbook",
    "find_playbook",
    "run_playbook",
    "list_runs",
]

_KEY_PACKAGES = ("pandas", "numpy", "scipy", "matplotlib", "scikit-learn", "narwhals", "papermill", "nbconvert",
                 "vaderSentiment", "pandera", "pyarrow")
_TEMPLATE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@dataclass(frozen=True)
class Step:
    """One notebook of a playbook, with its (templated) parameters."""

    id: str
    notebook: str
    parameters: dict[str, Any]
    title: str | None = None
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Playbook:
    """A practice: who it is for, how often, what to do, and which notebooks to run."""

    name: str
    title: str
    audience: str
    cadence: str
    practice: str
    parameters: dict[str, Any]
    steps: tuple[Step, ...]
    lead_findings: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def root(self) -> Path:
        """Folder that step notebook paths are relative to (the project root)."""
        return self.path.parent.parent if self.path else Path.cwd()


def _require(doc: dict, key: str, where: str, kind: type | tuple = str) -> Any:
    if key not in doc:
        raise ParameterError(f"{where}: missing required key {key!r}")
    value = doc[key]
    if not isinstance(value, kind):
        raise ParameterError(f"{where}: {key!r} must be {getattr(kind, '__name__', kind)}, found {type(value).__name__}")
    return value


def load_playbook(path: str | Path) -> Playbook:
    """Read and check a playbook YAML file (keys, step ids, dependencies, notebooks exist)."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"playbook {path.name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ParameterError(f"playbook {path.name}: expected a mapping at the top level")
    where = f"playbook {path.name}"
    steps = []
    for i, s in enumerate(_require(doc, "steps", where, list)):
        swhere = f"{where} step {i + 1}"
        if not isinstance(s, dict):
            raise ParameterError(f"{swhere}: expected a mapping with 'id' and 'notebook'")
        steps.append(
            Step(
                id=_require(s, "id", swhere),
                notebook=_require(s, "notebook", swhere),
                parameters=dict(s.get("parameters") or {}),
                title=s.get("title"),
                after=tuple(s.get("after") or ()),
            )
        )
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise ParameterError(f"{where}: step ids must be unique, found {ids}")
    for s in steps:
        unknown = set(s.after) - set(ids)
        if unknown:
            raise ParameterError(f"{where} step {s.id!r}: 'after' names unknown steps {sorted(unknown)}")
    book = Playbook(
        name=doc.get("name", path.stem),
        title=_require(doc, "title", where),
        audience=doc.get("audience", ""),
        cadence=doc.get("cadence", ""),
        practice=doc.get("practice", ""),
        parameters=dict(doc.get("parameters") or {}),
        steps=tuple(steps),
        lead_findings=tuple(doc.get("lead_findings") or ()),
        path=path.resolve(),
    )
    for s in book.steps:
        if not (book.root / s.notebook).is_file():
            raise ParameterError(f"{where} step {s.id!r}: notebook {s.notebook!r} not found")
    return book


def find_playbook(name: str | Path, folder: str | Path = "playbooks") -> Path:
    """A playbook by file path or by name in ``folder``; the error lists the known ones."""
    p = Path(name)
    if p.suffix in (".yml", ".yaml") and p.is_file():
        return p
    for suffix in (".yml", ".yaml"):
        candidate = Path(folder) / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    known = sorted(q.stem for q in Path(folder).glob("*.y*ml")) if Path(folder).is_dir() else []
    raise ParameterError(f"no playbook {str(name)!r} in {folder}/; known: {', '.join(known) or 'none'}")


def _render(value: Any, params: dict[str, Any], where: str) -> Any:
    """Fill ``{name}`` templates; a value that is exactly one template keeps the parameter's type."""
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value)
        missing = [m for m in _TEMPLATE.findall(value) if m not in params]
        if missing:
            raise ParameterError(f"{where}: template names unknown parameter(s) {missing}; known: {sorted(params)}")
        if whole:
            return params[whole.group(1)]
        return _TEMPLATE.sub(lambda m: str(params[m.group(1)]), value)
    if isinstance(value, list):
        return [_render(v, params, where) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, params, where) for k, v in value.items()}
    return value


@dataclass
class StepResult:
    """How one step went."""

    step: Step
    status: str  # "ran", "cached", "failed", "skipped"
    seconds: float = 0.0
    executed: Path | None = None
    error: str | None = None
    cache_key: str = ""


@dataclass
class PlaybookRun:
    """A finished playbook run."""

    playbook: str
    run_id: str
    folder: Path
    status: str
    seconds: float
    steps: list[StepResult] = field(default_factory=list)
    report: Path | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)


def _package_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in _KEY_PACKAGES:
        with contextlib.suppress(md.PackageNotFoundError):
            out[name] = md.version(name)
    return out


def _carelib_source_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_key(notebook: Path, parameters: dict[str, Any], fingerprint: str, versions: dict[str, str]) -> str:
    """What a step's output depends on: notebook source, parameters, data, code and packages."""
    h = hashlib.sha256()
    h.update(notebook.read_bytes())
    h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    h.update(fingerprint.encode())
    h.update(json.dumps(versions, sort_keys=True).encode())
    return h.hexdigest()[:24]


def _progress(msg: str) -> None:
    print(msg, flush=True)


def _order(steps: tuple[Step, ...]) -> list[list[Step]]:
    """Steps in waves: each wave only depends on earlier waves (independent steps run together)."""
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


def _run_step(step: Step, nb: Path, params: dict[str, Any], folder: Path, cache: Path, key: str, force: bool) -> StepResult:
    from carelib.runner import execute_notebook

    target = folder / f"{step.id}.ipynb"
    cached = cache / f"{key}.ipynb"
    if cached.exists() and not force:
        shutil.copyfile(cached, target)
        return StepResult(step, "cached", 0.0, target, cache_key=key)
    started = time.time()
    staging = folder / f"{step.id}.running.ipynb"
    try:
        execute_notebook(nb, staging, params)
    except RunError as exc:
        if staging.exists():
            os.replace(staging, folder / f"{step.id}.failed.ipynb")
        return StepResult(step, "failed", time.time() - started, folder / f"{step.id}.failed.ipynb", str(exc), key)
    os.replace(staging, target)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.tmp"
    shutil.copyfile(target, tmp)
    os.replace(tmp, cached)
    return StepResult(step, "ran", time.time() - started, target, cache_key=key)


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
        Parameter values are command-line text: read as YAML scalars unless the
        playbook's default for that parameter is a string.
    workers : int
        Steps run at once when independent.

    Returns
    -------
    PlaybookRun
        Raises :class:`RunError` after recording the failed run when a step fails; the last
        good report is left untouched.
    """
    from carelib.runner import DATA_PARAMETER, coerce_parameters
    from carelib.tables import Workspace

    book = load_playbook(find_playbook(name, playbooks_dir))
    given = dict(parameters or {})
    if strings:
        given = {k: v if isinstance(book.parameters.get(k), str) else yaml.safe_load(str(v)) for k, v in given.items()}
    params = {**book.parameters, **given}
    unknown = set(parameters or {}) - set(book.parameters)
    if unknown:
        raise ParameterError(f"playbook {book.name} has no parameter(s) {sorted(unknown)}; known: {sorted(book.parameters)}")
    data_dir = Path(data) if data is not None else None
    if data_dir is not None and not data_dir.is_dir():
        from carelib.errors import DataError

        raise DataError(f"data folder {str(data)!r} does not exist or is not a folder")
    fingerprint = Workspace(data_dir).fingerprint() if data_dir is not None else "no-data"
    versions = {**_package_versions(), "carelib-source": _carelib_source_hash()}

    resolved: dict[str, tuple[Path, dict[str, Any], str]] = {}
    for step in book.steps:
        nb = book.root / step.notebook
        step_params = _render(step.parameters, params, f"playbook {book.name} step {step.id!r}")
        typed = coerce_parameters(nb, step_params)
        if data_dir is not None:
            typed[DATA_PARAMETER] = str(data_dir.resolve())
        key = cache_key(nb, {k: v for k, v in typed.items() if k != DATA_PARAMETER}, fingerprint, versions)
        resolved[step.id] = (nb, typed, key)

    started = time.time()
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    label = str(params.get("period", "run")).replace("/", "-")
    run_id = f"{label}-{stamp}"
    base = Path(runs_dir) / book.name
    folder = base / run_id
    n = 1
    while folder.exists():  # two runs in the same second
        n += 1
        folder = base / f"{run_id}-{n}"
    run_id = folder.name
    folder.mkdir(parents=True)
    cache = base / ".cache"
    results: dict[str, StepResult] = {}
    total = len(book.steps)
    counter = 0
    for wave in _order(book.steps):
        runnable = [s for s in wave if all(results[a].status in ("ran", "cached") for a in s.after)]
        for s in wave:
            if s not in runnable:
                results[s.id] = StepResult(s, "skipped", error="an earlier step failed")
        with cf.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {}
            for s in runnable:
                nb, typed, key = resolved[s.id]
                progress(f"  start {s.id}: {s.notebook}")
                futures[pool.submit(_run_step, s, nb, typed, folder, cache, key, force)] = s
            for fut in cf.as_completed(futures):
                r = fut.result()
                counter += 1
                results[r.step.id] = r
                detail = f" ({r.seconds:.1f} s)" if r.status == "ran" else ""
                progress(f"[{counter}/{total}] {r.step.id}: {r.status}{detail}" + (f" - {r.error}" if r.error else ""))
    ordered = [results[s.id] for s in book.steps]
    failed = [r for r in ordered if r.status in ("failed", "skipped")]
    run = PlaybookRun(book.name, run_id, folder, "failed" if failed else "ok", time.time() - started, ordered)
    if not failed:
        from carelib.playbook_report import render_playbook_report

        run.findings, html = render_playbook_report(book, run, params, data, fingerprint, versions)
        from carelib.report import write_atomic

        write_atomic(folder / "report.html", html)
        write_atomic(folder / "findings.json", json.dumps(run.findings, indent=2, sort_keys=True) + "\n")
        write_atomic(base / "report.html", html)  # the latest good report, replaced whole
        run.report = base / "report.html"
    run.seconds = time.time() - started
    _write_log(run, params)
    _append_index(Path(runs_dir), run)
    if failed:
        first = next(r for r in ordered if r.status == "failed")
        raise RunError(f"playbook {book.name} failed at step {first.step.id!r}: {first.error}; "
                       f"the executed notebook is {first.executed}; the last good report was not replaced")
    return run


def _write_log(run: PlaybookRun, params: dict[str, Any]) -> None:
    lines = [f"playbook {run.playbook} run {run.run_id}: {run.status} in {run.seconds:.1f} s",
             f"parameters: {json.dumps(params, sort_keys=True, default=str)}"]
    lines += [f"step {r.step.id}: {r.status} {r.seconds:.1f} s key={r.cache_key}" + (f" error={r.error}" if r.error else "")
              for r in run.steps]
    (run.folder / "run.log").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _headline(findings: list[dict[str, Any]], limit: int = 4) -> str:
    parts = [f"{f.get('label')}: {f.get('text')}" for f in findings if f.get("kind", "metric") == "metric"]
    return "; ".join(parts[:limit])


def _append_index(runs_dir: Path, run: PlaybookRun) -> None:
    runs_dir.mkdir(parents=True, exist_ok=True)
    rec = {
        "playbook": run.playbook, "run_id": run.run_id, "status": run.status, "seconds": round(run.seconds, 1),
        "steps": {r.step.id: r.status for r in run.steps},
        "headline": _headline(run.findings),
        "report": str(run.folder / "report.html") if run.report else None,
    }
    with open(runs_dir / "index.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, sort_keys=True) + "\n")


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
