"""A playbook file (YAML) and the records of a run: the schema, the loader, the step results.

:mod:`carelib.run.playbook` runs a playbook; :mod:`carelib.run.playbook_report` renders its
report. Both read the types here, so neither imports the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from carelib.errors import ParameterError

__all__ = ["Step", "Playbook", "StepResult", "PlaybookRun", "load_playbook", "find_playbook", "render_template", "TEMPLATE"]

TEMPLATE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@dataclass(frozen=True)
class Step:
    """One notebook of a playbook, with its (templated) parameters."""

    id: str
    notebook: str
    parameters: dict[str, Any]
    title: str | None = None
    after: tuple[str, ...] = ()
    #: what the step reads: table names (``tickets``), ``interviews`` (the transcripts folder), alternatives as
    #: ``responses|reviews``, templated like parameters (``"{voice}"``); a workspace without them skips the step
    needs: tuple[str, ...] = ()
    #: one sentence of what the section shows, and what a reader does with it (Markdown, shown around the section)
    shows: str = ""
    todo: str = ""


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
                needs=tuple(str(n) for n in (s.get("needs") or ())),
                shows=str(s.get("shows") or ""),
                todo=str(s.get("todo") or ""),
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


# The project's own playbooks (beside the package in a source or editable install): found from any folder
PROJECT_PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def find_playbook(name: str | Path, folder: str | Path = "playbooks") -> Path:
    """A playbook by file path or by name in ``folder``; the error lists the known ones."""
    p = Path(name)
    if p.suffix in (".yml", ".yaml") and p.is_file():
        return p
    folders = [Path(folder)]
    if str(folder) == "playbooks" and not folders[0].is_dir():  # run from a workspace, not the project folder
        folders.append(PROJECT_PLAYBOOKS)
    for where in folders:
        for suffix in (".yml", ".yaml"):
            candidate = where / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    known = sorted({q.stem for f in folders if f.is_dir() for q in f.glob("*.y*ml")})
    raise ParameterError(f"no playbook {str(name)!r} in {folders[-1]}/; known: {', '.join(known) or 'none'}")


def render_template(value: Any, params: dict[str, Any], where: str) -> Any:
    """Fill ``{name}`` templates; a value that is exactly one template keeps the parameter's type.

    Parameters
    ----------
    value : Any
        A playbook value: a string, or a list or dict holding strings (filled recursively);
        other values are returned as they are.
    params : dict
        Parameter name → value.
    where : str
        Place of the value in the playbook, for the error on an unknown name.

    Returns
    -------
    Any
        ``value`` with every template filled; ``"{weeks}"`` alone gives ``params["weeks"]``
        itself (e.g. an int), a template inside text its ``str``.

    Examples
    --------
    >>> render_template({"w": "{weeks}", "t": "last {weeks} weeks"}, {"weeks": 4}, "step s")
    {'w': 4, 't': 'last 4 weeks'}
    """
    if isinstance(value, str):
        whole = TEMPLATE.fullmatch(value)
        missing = [m for m in TEMPLATE.findall(value) if m not in params]
        if missing:
            raise ParameterError(f"{where}: template names unknown parameter(s) {missing}; known: {sorted(params)}")
        if whole:
            return params[whole.group(1)]
        return TEMPLATE.sub(lambda m: str(params[m.group(1)]), value)
    if isinstance(value, list):
        return [render_template(v, params, where) for v in value]
    if isinstance(value, dict):
        return {k: render_template(v, params, where) for k, v in value.items()}
    return value


@dataclass
class StepResult:
    """How one step went."""

    step: Step
    status: str  # "ran", "cached", "failed", "skipped"; on Ctrl-C "interrupted" (was running) or "cancelled"
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
    #: POSIX time the run started (0: unknown)
    started: float = 0.0
