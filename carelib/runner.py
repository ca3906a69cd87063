"""Run a parameterised notebook with papermill and render its report.

The contract with a notebook is papermill's: one cell tagged ``parameters`` holding
typed, commented literals (``confidence: float = 0.95  # confidence level``). Given
values are checked against those types *before* any cell runs. A run writes, into
``out_dir``: the executed notebook and a self-contained HTML report. A failing cell
raises :class:`RunError` naming the notebook and the cell; the executed notebook is
kept as ``<name>.failed.ipynb`` and the last good report is left untouched.
"""

from __future__ import annotations

import ast
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import yaml

from carelib.errors import DataError, ParameterError, RunError

__all__ = [
    "NotebookParameter",
    "RunResult",
    "notebook_parameters",
    "parameters_table",
    "coerce_parameters",
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
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read notebook {str(notebook)!r}: {exc}") from exc
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
        out[name] = NotebookParameter(name, type_, default, help_)
    return out


def parameters_table(notebook: str | Path) -> pd.DataFrame:
    """The notebook's parameters as a table: name, type, default, help."""
    rows = [vars(p) for p in notebook_parameters(notebook).values()]
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


def coerce_parameters(
    notebook: str | Path, given: dict[str, Any], *, strings: bool = False
) -> dict[str, Any]:
    """Check given values against the notebook's declared parameters.

    Parameters
    ----------
    notebook : str or Path
        The notebook.
    given : dict
        Parameter values. With ``strings=True`` values are command-line text and are
        read as YAML scalars first (``0.9`` -> 0.9, ``true`` -> True, ``[a, b]`` -> list);
        a ``str`` parameter keeps the text as typed.
    strings : bool
        Whether the values come from a command line.

    Returns
    -------
    dict
        The values, typed. Unknown names or values of the wrong type raise
        :class:`ParameterError` naming the parameter, its type and the value.
    """
    declared = notebook_parameters(notebook)
    name = Path(notebook).name
    out: dict[str, Any] = {}
    for key, raw in given.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise ParameterError(f"{name} has no parameter {key!r}; its parameters are: {known}")
        p = declared[key]
        value = raw
        if strings and isinstance(raw, str):
            if p.type.replace(" ", "") in ("str", "str|None"):
                value = raw
            else:
                try:
                    value = yaml.safe_load(raw)
                except yaml.YAMLError:
                    value = raw
                if isinstance(value, int) and not isinstance(value, bool) and "float" in p.type and "int" not in p.type:
                    value = float(value)
        if not _check_type(value, p.type):
            hint = f" ({p.help})" if p.help else ""
            raise ParameterError(
                f"{name}: parameter {key!r} expects {p.type}{hint}, default {p.default!r}; "
                f"got {raw!r}"
            )
        out[key] = value
    return out


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Execute with papermill (kernel ``python3``, working directory = the notebook's folder).

    A failing cell raises :class:`RunError` naming the notebook, the cell number and
    the error; the partly executed notebook is at ``output``.
    """
    import papermill as pm

    notebook, output = Path(notebook).resolve(), Path(output).resolve()
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
        )
    except pm.PapermillExecutionError as exc:
        where = _failed_cell(output, exc.exec_count)
        raise RunError(f"{notebook.name} failed in {where}: {exc.ename}: {exc.evalue}") from None
    return nbformat.read(output, as_version=4)


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
    from carelib import report as report_mod

    nb_path = Path(notebook)
    if not nb_path.is_file():
        raise ParameterError(f"notebook {str(notebook)!r} not found")
    declared = notebook_parameters(nb_path)
    params = coerce_parameters(nb_path, parameters or {}, strings=strings)
    shown = {**params, **({DATA_PARAMETER: str(data)} if data is not None else {})}
    params = _resolve_data(params, data, declared)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f"{nb_path.stem}.running.ipynb"
    started = time.time()
    try:
        executed = execute_notebook(nb_path, staging, params)
    except RunError:
        if staging.exists():
            os.replace(staging, out / f"{nb_path.stem}.failed.ipynb")
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            staging.unlink()
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
    report_mod.write_atomic(report, html)
    return RunResult(nb_path, final, report, params, seconds)


def refresh_notebook(notebook: str | Path, timeout: int = 600) -> Path:
    """Re-execute a notebook in place with its default parameters (``make notebooks``).

    Stored outputs are what nbval compares, so the refreshed file carries no run
    metadata: no timings, no papermill cell, outputs only. The file is replaced only
    when every cell ran.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from carelib.report import write_atomic

    path = Path(notebook)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise RunError(f"{path.name}: a cell failed while refreshing: {str(exc).splitlines()[-1]}") from None
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("papermill", None)
    write_atomic(path, nbformat.writes(nb) + "\n")
    return path
