"""Thin notebooks (docs/architecture.md): a cell calls carelib and displays; logic lives in carelib.practices.

Each code cell holds at most 8 lines of code (blank and comment-only lines not counted; the tagged
``parameters`` cell is a list of literals and is exempt from the per-cell limit, not from the total),
no ``def``/``class``/``lambda``/``assert``, no loop, and computes no statistic itself: the pandas
reductions and reshapes below belong in a practice function with a unit test.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MAX_CELL_LINES = 8
MAX_TOTAL_LINES = 250
FORBIDDEN_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Assert, ast.For,
                   ast.While, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)
STATISTICS = {"groupby", "agg", "aggregate", "mean", "sum", "median", "quantile", "std", "var", "value_counts",
              "crosstab", "pivot", "pivot_table", "nunique", "merge", "concat", "apply", "cumsum", "describe"}


def code_cells(path: Path) -> list[tuple[int, list[str], bool]]:
    """(cell index, code lines, is the parameters cell) for every code cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        lines = [ln for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        out.append((i, lines, "parameters" in cell.get("metadata", {}).get("tags", [])))
    return out


def problems(path: Path) -> list[str]:
    found = []
    for i, lines, is_parameters in code_cells(path):
        where = f"{path.name} cell {i}"
        if not is_parameters and len(lines) > MAX_CELL_LINES:
            found.append(f"{where}: {len(lines)} lines of code (at most {MAX_CELL_LINES})")
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if isinstance(node, FORBIDDEN_NODES):
                found.append(f"{where} line {node.lineno}: {type(node).__name__} in a notebook cell")
            if isinstance(node, ast.Attribute) and node.attr in STATISTICS:
                found.append(f"{where} line {node.lineno}: .{node.attr} computes in the cell")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_are_thin(path):
    assert problems(path) == []


def test_notebooks_hold_little_code():
    total = sum(len(lines) for path in NOTEBOOKS for _, lines, _ in code_cells(path))
    assert total <= MAX_TOTAL_LINES, f"{total} lines of code in notebooks/ (at most {MAX_TOTAL_LINES})"


def test_the_cell_rule_catches_a_fat_cell(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["x = df.groupby('a').mean()\n", "f = lambda v: v\n", "assert x\n"]}
    nb = tmp_path / "fat.ipynb"
    nb.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    found = problems(nb)
    assert any(".groupby" in p for p in found) and any("Lambda" in p for p in found)
    assert any("Assert" in p for p in found)
