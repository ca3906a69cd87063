"""The house in layers: no import cycles, no private names across modules (docs/architecture.md).

The layer rules themselves are import-linter contracts in pyproject.toml (`lint-imports`, run by
`make test`); these tests add what a contract cannot say.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "carelib"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(files: list[Path]) -> list[str]:
    """Every ``from carelib.x import _name``, import of another package's ``_module``, or ``alias._name``."""
    found = []
    for path in files:
        module = _module_name(path)
        here = _package_of(module, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("carelib"):
                target = node.module
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    aliases[alias.asname or alias.name] = full
                    if _private(alias.name) and target != module:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {target} import {alias.name}")
                owner = target.rpartition(".")[0]
                if any(_private(p) for p in target.split(".")) and owner != here:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import of private module {target}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("carelib"):
                        aliases[alias.asname or alias.name] = alias.name
                        if any(_private(p) for p in alias.name.split(".")):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {alias.name}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_a_module():
    files = sorted(PACKAGE.rglob("*.py"))
    assert private_imports(files) == []


def test_the_private_import_check_finds_one(tmp_path):
    bad = PACKAGE / "analysis" / "_probe_for_test.py"
    try:
        bad.write_text("from carelib.metrics.tally import keys_of as _k\nfrom carelib.text.redact import _spans\n"
                       "from carelib.run import kernels\nkernels._alive\n", encoding="utf-8")
        found = private_imports([bad])
    finally:
        bad.unlink()
    assert [f.split(": ", 1)[1] for f in found] == ["from carelib.text.redact import _spans", "kernels._alive"]


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph("carelib", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or module.startswith(imported + ".") or imported.startswith(module + "."):
                continue  # a package and its own modules
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.append(" -> ".join([module, *chain]))
    assert cycles == []


@pytest.mark.parametrize("layer", ["data", "metrics", "text", "qual", "analysis", "practices", "report", "run", "demo"])
def test_each_layer_is_flat(layer):
    """One folder per layer, flat inside (docs/architecture.md lists every module)."""
    folder = PACKAGE / layer
    assert folder.is_dir()
    assert [p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"] == []
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [f"carelib/{layer}/{p.name}" for p in sorted(folder.glob("*.py"))
               if p.name != "__init__.py" and f"{layer}/{p.name}" not in doc]
    assert missing == [], "modules not described in docs/architecture.md"


def test_every_doc_the_project_points_to_exists():
    """A path like ``docs/x.md`` named in the README, the docs or carelib is a file of the repository."""
    import re

    root = PACKAGE.parent
    sources = [root / "README.md", *sorted((root / "docs").glob("*.md")), *sorted(PACKAGE.rglob("*.py"))]
    named = {m for p in sources for m in re.findall(r"\bdocs/[\w./-]+\.(?:md|png|csv)\b", p.read_text(encoding="utf-8"))}
    assert named, "no docs/ path found: the pattern is wrong"
    assert sorted(n for n in named if not (root / n).exists()) == []


def test_import_carelib_is_cheap_and_its_api_complete():
    """``import carelib`` loads no pandas (the CLI starts fast); every name in ``__all__`` resolves."""
    import subprocess
    import sys

    code = ("import sys, carelib; assert 'pandas' not in sys.modules, 'pandas imported';"
            "missing = [n for n in carelib.__all__ if not hasattr(carelib, n)]; assert not missing, missing")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr


def test_a_practice_imports_no_notebook_reader():
    """Every playbook step's kernel imports its practice: nbformat (and jsonschema's URI grammar under it) cost two
    seconds a kernel, and a kernel publishes findings, it never reads a notebook."""
    import subprocess
    import sys

    code = ("import sys; from carelib.practices import common, metric_review, voice_of_customer, service_quality, "
            "segments_and_journeys, recovery_review, interview_synthesis; "
            "bad = sorted(m for m in ('nbformat', 'jsonschema', 'nbconvert', 'papermill') if m in sys.modules); "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr
