"""Run a parameterised notebook with papermill and render its report.

The contract with a notebook is papermill's: one cell tagged ``parameters`` holding
typed, commented literals (``confidence: float = 0.95  # confidence level``). A comment
may end with a rule of allowed values (``# weeks before the window [1, 104]``,
``# {lexical, embeddings}``, ``# {latest, <iso-week>}``, ``# <column of responses>``; the
syntax is in :mod:`carelib.run.parameters`). Given values are checked against the types and
rules *before* any cell runs and before any data is loaded (a ``column of`` rule reads one
header line). Command-line text becomes a value by one rule, :func:`value_from_text`, for
``carelib run`` and ``carelib playbook run`` alike. A run writes, into
``out_dir``: the executed notebook and a self-contained HTML report. A failing cell
raises :class:`RunError` naming the notebook and the cell; the executed notebook is
kept as ``<name>.failed.ipynb`` and the last good report is left untouched. Ctrl-C kills
the kernel at once (:mod:`carelib.run.kernels`) instead of waiting for the running cell.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import yaml

from carelib.errors import CarelibError, DataError, ParameterError, RunError
from carelib.files import write_atomic
from carelib.run import kernels
from carelib.run.parameters import Rule, parse_rule, table_columns

__all__ = [
    "NotebookParameter",
    "RunResult",
    "notebook_parameters",
    "parameters_table",
    "coerce_parameters",
    "value_from_text",
    "run_notebook",
    "execute_notebook",
    "refresh_notebook",
]

KERNEL = "python3"
DATA_PARAMETER = "data_dir"  # the parameter `--data` fills


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter declared in a notebook's ``parameters`` cell."""

    name: str
    type: str
    default: Any
    help: str
    rule: Rule | None = None


@dataclass(frozen=True)
class RunResult:
    """What a successful run produced."""

    notebook: Path
    executed: Path
    report: Path
    parameters: dict[str, Any]
    seconds: float


def _parameters_cell(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ParameterError(f"{path.name} has no cell tagged 'parameters' (papermill's contract)")


def notebook_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """The parameters a notebook declares: name, type annotation, default and comment.

    Parameters
    ----------
    notebook : str or Path
        An ``.ipynb`` file with a cell tagged ``parameters``.

    Returns
    -------
    dict of str to NotebookParameter
        In the order they are declared.
    """
    path = Path(notebook)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ParameterError(f"cannot read notebook {str(notebook)!r}: {exc}") from exc
    # one parse per notebook file and version, however often a run asks (checks, coercion, provenance)
    return copy.deepcopy(dict(_declared(str(path), stat.st_mtime_ns, stat.st_size)))


@functools.lru_cache(maxsize=64)
def _declared(name: str, mtime_ns: int, size: int) -> tuple[tuple[str, NotebookParameter], ...]:
    path = Path(name)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read notebook {name!r}: {exc}") from exc
    source = _parameters_cell(nb, path).source
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{path.name}: the parameters cell is not valid Python: {exc}") from exc
    out: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, type_ = node.target.id, ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, type_ = node.targets[0].id, "any"
        else:
            continue
        value = node.value
        try:
            default = ast.literal_eval(value) if value is not None else None
        except ValueError:
            default = ast.unparse(value)
        line = lines[node.lineno - 1]
        help_ = line.split("#", 1)[1].strip() if "#" in line[node.end_col_offset :] else ""
        rule = parse_rule(help_, f"{path.name}: parameter {name!r}")
        out[name] = NotebookParameter(name, type_, default, help_, rule)
    return tuple(out.items())


def parameters_table(notebook: str | Path) -> pd.DataFrame:
    """The notebook's parameters as a table: name, type, default, help (the comment, with its rule)."""
    rows = [{k: getattr(p, k) for k in ("name", "type", "default", "help")} for p in notebook_parameters(notebook).values()]
    return pd.DataFrame(rows, columns=["name", "type", "default", "help"])


_SCALARS = {"str": str, "int": int, "float": (int, float), "bool": bool}


def _check_type(value: Any, type_: str) -> bool:
    t = type_.replace(" ", "")
    if t in ("any", "Any"):
        return True
    options = t.split("|")
    if "None" in options and value is None:
        return True
    for opt in options:
        base = opt.split("[", 1)[0]
        if base in _SCALARS:
            if base in ("int", "float") and isinstance(value, bool):
                continue
            if isinstance(value, _SCALARS[base]):
                return True
        elif base == "list" and isinstance(value, list):
            inner = opt[5:-1] if opt.startswith("list[") else "any"
            if all(_check_type(v, inner) for v in value):
                return True
        elif base == "dict" and isinstance(value, dict):
            return True
    return False


def _shown(value: Any, limit: int = 60) -> str:
    """A given value as a message shows it: its repr, cut short (a pasted wall of text stays one line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def value_from_text(text: str, type_: str) -> Any:
    """Command-line text as a parameter value of type ``type_``: the one rule for ``run`` and ``playbook run``.

    A ``str`` parameter keeps the text as typed. Any other type reads the text as a YAML
    scalar or flow list (``0.9`` -> 0.9, ``true`` -> True, ``[a, b]`` -> list); text that is
    not valid YAML (``[a, b``) stays text, so the type check names the parameter and what
    it expects. An integer given for a ``float`` parameter becomes a float.

    Examples
    --------
    >>> value_from_text("0.9", "float"), value_from_text("3", "float"), value_from_text("[a, b]", "list[str]")
    (0.9, 3.0, ['a', 'b'])
    >>> value_from_text("[a, b", "list[str]"), value_from_text("yes", "str")
    ('[a, b', 'yes')
    """
    t = type_.replace(" ", "")
    if t in ("str", "str|None", "None|str"):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, int) and not isinstance(value, bool) and "float" in t and "int" not in t:
        value = float(value)
    return value


def coerce_parameters(
    notebook: str | Path, given: dict[str, Any], *, strings: bool = False, data: str | Path | None = None
) -> dict[str, Any]:
    """Check given values against the notebook's declared parameters: names, types and rules.

    Parameters
    ----------
    notebook : str or Path
        The notebook.
    given : dict
        Parameter values. With ``strings=True`` values are command-line text, read by
        :func:`value_from_text`.
    strings : bool
        Whether the values come from a command line.
    data : str or Path, optional
        The workspace folder, for ``<column of ...>`` rules (only table headers are read).
        Default: the given ``data_dir``, else the notebook's default ``data_dir`` (relative
        to the notebook's folder).

    Returns
    -------
    dict
        The values, typed. Unknown names, values of the wrong type and values outside a
        parameter's rule raise :class:`ParameterError` naming the parameter, what it
        allows and the value given.
    """
    declared = notebook_parameters(notebook)
    name = Path(notebook).name
    out: dict[str, Any] = {}
    for key, raw in given.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise ParameterError(f"{name} has no parameter {key!r}; its parameters are: {known}")
        p = declared[key]
        value = value_from_text(raw, p.type) if strings and isinstance(raw, str) else raw
        if not _check_type(value, p.type):
            hint = f" ({p.help})" if p.help else ""
            raise ParameterError(
                f"{name}: parameter {key!r} expects {p.type}{hint}, default {p.default!r}; got {_shown(value)}"
            )
        out[key] = value
    _check_rules(Path(notebook), declared, out, data)
    return out


def _workspace_of(notebook: Path, declared: dict[str, NotebookParameter], values: dict[str, Any],
                  data: str | Path | None) -> Path | None:
    if data is not None:
        return Path(data)
    folder = values.get(DATA_PARAMETER, declared[DATA_PARAMETER].default if DATA_PARAMETER in declared else None)
    if not isinstance(folder, str) or not folder:
        return None
    path = Path(folder)
    return path if path.is_absolute() else notebook.parent / path


#: The tables a ``source: "auto"`` parameter may pick (``carelib.practices.voice_of_customer.auto_source``).
AUTO_SOURCES = ("complaints", "reviews", "responses", "messages")


def _check_rules(notebook: Path, declared: dict[str, NotebookParameter], values: dict[str, Any],
                 data: str | Path | None) -> None:
    """Each given value against its parameter's rule; ``column of`` rules read table headers only."""
    current = {k: values.get(k, p.default) for k, p in declared.items()}
    folder = _workspace_of(notebook, declared, values, data)

    def columns(spec: str) -> tuple[str, list[str]] | None:
        if folder is None or not folder.is_dir():
            return None
        if spec.startswith("{"):
            ref = current.get(spec[1:-1])
            names = [str(ref)] if isinstance(ref, str) and ref else []
            if names == ["auto"]:  # a source chosen by the notebook: a column of any table it may choose
                names = list(AUTO_SOURCES)
        else:
            names = spec.split("|")
        found = [hit for n in names if (hit := table_columns(folder, n)) is not None]
        if not found:
            return None
        return ", ".join(path.name for path, _ in found), sorted({c for _, cols in found for c in cols},
                                                                    key=[c for _, cols in found for c in cols].index)

    for key, value in values.items():
        p = declared[key]
        if p.rule is None:
            continue
        why = p.rule.violation(value, p.type, columns)
        if why:
            hint = f" ({p.rule.hint})" if p.rule.hint else ""
            detail = "" if why in ("out of range", "not allowed") else f"; {why}"
            raise ParameterError(f"{notebook.name}: parameter {key!r} expects {p.rule.describe(p.type)}{hint}; "
                                 f"got {_shown(value)}{detail}")


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Execute with papermill (kernel ``python3``, working directory = the notebook's folder).

    A failing cell raises :class:`RunError` naming the notebook, the cell number and
    the error; the partly executed notebook is at ``output``. A kernel that dies or cannot
    start raises :class:`RunError` too. The kernel's stderr is kept apart and passed on
    without its two expected noise lines (see :mod:`carelib.run.kernels`).

    Parameters
    ----------
    notebook : Path
        The notebook to execute; it is not changed.
    output : Path
        Where the executed notebook is written (also when a cell fails).
    parameters : dict
        Values injected after the ``parameters`` cell (already checked by the caller).

    Returns
    -------
    NotebookNode
        The executed notebook, read back from ``output`` (nbformat 4). Ctrl-C, or a stop of
        all kernels, raises ``KeyboardInterrupt``.
    """
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel

    notebook, output = Path(notebook).resolve(), Path(output).resolve()
    with kernels.KernelStderr() as stderr:
        try:
            # The kernel starts in the notebook's folder through nbclient's resources, not papermill's
            # ``cwd=`` (a process-wide chdir, which races when steps run in parallel threads).
            pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name=KERNEL,
                progress_bar=False,
                log_output=False,
                resources={"metadata": {"path": str(notebook.parent)}},
                kernel_manager_class=stderr.manager_class,
            )
        except pm.PapermillExecutionError as exc:
            where = _failed_cell(output, exc.exec_count)
            raise RunError(f"{notebook.name} failed in {where}: {exc.ename}: {exc.evalue}") from None
        except NoSuchKernel:
            raise RunError(f"{notebook.name}: no Jupyter kernel named {KERNEL!r} in this environment: "
                           f"install ipykernel into it (pip install ipykernel)") from None
        except kernels.KernelStopped:
            raise KeyboardInterrupt from None
        except OSError as exc:
            if exc.filename is None and exc.errno is not None:  # papermill saving the notebook: say where
                raise OSError(exc.errno, exc.strerror, str(output.parent)) from exc
            raise
        except CarelibError:
            raise
        except Exception as exc:  # nbclient/papermill/jupyter_client: the kernel died, timed out, ...
            if kernels.stopping():
                raise KeyboardInterrupt from None
            raise RunError(f"{notebook.name}: the kernel failed: {type(exc).__name__}: "
                           f"{_first_line(str(exc)) or 'no message'}") from exc
        finally:
            if not kernels.stopping():
                stderr.forward()
    return nbformat.read(output, as_version=4)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def _failed_cell(executed: Path, exec_count: int | None) -> str:
    """'cell N (section ...)' in the notebook's own numbering (the injected cell not counted)."""
    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return f"execution {exec_count}"
    number, section = 0, None
    for cell in nb.cells:
        if {"injected-parameters", "papermill-error-cell-tag"} & set(cell.get("metadata", {}).get("tags", [])):
            continue
        number += 1
        if cell.cell_type == "markdown":
            heads = [ln.lstrip("#").strip() for ln in cell.source.splitlines() if ln.startswith("#")]
            section = heads[-1] if heads else section
        elif cell.get("execution_count") == exec_count and exec_count is not None:
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            place = f" under {section!r}" if section else ""
            return f"cell {number}{place} (starts {first[:60]!r})"
    return f"execution {exec_count}"


def _resolve_data(parameters: dict[str, Any], data: str | Path | None, declared: dict) -> dict[str, Any]:
    if data is None:
        return parameters
    if DATA_PARAMETER not in declared:
        raise ParameterError(f"--data was given but the notebook has no {DATA_PARAMETER!r} parameter")
    folder = Path(data)
    if not folder.is_dir():
        raise DataError(f"data folder {str(data)!r} does not exist or is not a folder")
    return {**parameters, DATA_PARAMETER: str(folder.resolve())}


def run_notebook(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    out_dir: str | Path = "out",
    *,
    data: str | Path | None = None,
    strings: bool = False,
    title: str | None = None,
) -> RunResult:
    """Execute a notebook into ``out_dir`` and write its self-contained HTML report.

    Parameters
    ----------
    notebook : str or Path
        The notebook (with a ``parameters`` cell).
    parameters : dict, optional
        Values for declared parameters; checked before any cell runs.
    out_dir : str or Path
        Where ``<name>.ipynb`` (executed) and ``<name>.html`` (report) go.
    data : str or Path, optional
        A workspace folder; fills the ``data_dir`` parameter (made absolute).
    strings : bool
        Values are command-line text (see :func:`coerce_parameters`).
    title : str, optional
        Report title; defaults to the notebook's first heading.

    Returns
    -------
    RunResult
    """
    from carelib.report import html as report_mod

    nb_path = Path(notebook)
    if not nb_path.is_file():
        raise ParameterError(f"notebook {str(notebook)!r} not found")
    declared = notebook_parameters(nb_path)
    if data is not None and not Path(data).is_dir():
        raise DataError(f"data folder {str(data)!r} does not exist or is not a folder")
    params = coerce_parameters(nb_path, parameters or {}, strings=strings, data=data)
    shown = {**params, **({DATA_PARAMETER: str(data)} if data is not None else {})}
    params = _resolve_data(params, data, declared)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # a name of its own: two runs into one folder never share a file papermill is writing
    staging = out / f".{nb_path.stem}.{uuid.uuid4().hex[:12]}.running.ipynb"
    started = time.time()
    kernels.allow_starts()
    try:
        executed = kernels.run_interruptibly(execute_notebook, nb_path, staging, params)
    except RunError:
        if staging.exists():
            os.replace(staging, out / f"{nb_path.stem}.failed.ipynb")
        raise
    except BaseException as exc:
        with contextlib.suppress(OSError):
            staging.unlink()
        if isinstance(exc, KeyboardInterrupt):
            exc.args = ("the kernel was stopped; the last report was not replaced",)
        raise
    seconds = time.time() - started
    final = out / f"{nb_path.stem}.ipynb"
    os.replace(staging, final)
    with contextlib.suppress(OSError):
        (out / f"{nb_path.stem}.failed.ipynb").unlink()
    effective = {k: shown.get(k, v.default) for k, v in declared.items()}
    html = report_mod.render_report(
        [report_mod.Section.from_notebook(executed, nb_path.name)],
        title=title,
        provenance=report_mod.provenance(effective, data=data, started=started, seconds=seconds),
    )
    report = out / f"{nb_path.stem}.html"
    write_atomic(report, html)
    return RunResult(nb_path, final, report, params, seconds)


def refresh_notebook(notebook: str | Path, timeout: int = 600) -> Path:
    """Re-execute a notebook in place with its default parameters (``make notebooks``).

    Stored outputs are what nbval compares, so the refreshed file carries no run
    metadata: no timings, no papermill cell, outputs only. The file is replaced only
    when every cell ran.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(notebook)
    try:
        nb = nbformat.read(path, as_version=4)
    except ValueError as exc:
        raise ParameterError(f"{path} is not a notebook: {_first_line(str(exc))}") from exc
    kernels.allow_starts()
    with kernels.KernelStderr() as stderr:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}},
            record_timing=False, kernel_manager_class=stderr.manager_class,
        )
        try:
            kernels.run_interruptibly(client.execute)
        except CellExecutionError as exc:
            raise RunError(f"{path.name}: a cell failed while refreshing: {str(exc).splitlines()[-1]}") from None
        finally:
            if not kernels.stopping():
                stderr.forward()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("papermill", None)
    write_atomic(path, nbformat.writes(nb) + "\n")
    return path
