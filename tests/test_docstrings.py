"""Every public function with more than two arguments documents them (numpydoc Parameters and Returns).

Public: in the module's ``__all__`` where it has one, else any name without a leading underscore;
methods of public classes count too (``__init__`` is documented on the class).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "carelib"
SECTIONS = ("Parameters", "Returns")


def _exported(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            try:
                return set(ast.literal_eval(node.value))
            except ValueError:
                return None
    return None


def _arguments(fn: ast.FunctionDef) -> int:
    names = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs) if a.arg not in ("self", "cls")]
    return len(names) + (fn.args.vararg is not None)


def undocumented(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = _exported(tree)
    public = (lambda name: name in exported) if exported is not None else (lambda name: not name.startswith("_"))
    found = []

    def check(fn: ast.FunctionDef, owner: str = "") -> None:
        if fn.name.startswith("_") or _arguments(fn) <= 2:
            return
        doc = ast.get_docstring(fn) or ""
        missing = [s for s in SECTIONS if f"{s}\n" + "-" * len(s) not in doc]
        if missing:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{fn.lineno} {owner}{fn.name}: no {', '.join(missing)}")

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and public(node.name):
            check(node)
        elif isinstance(node, ast.ClassDef) and public(node.name):
            for sub in node.body:
                if isinstance(sub, ast.FunctionDef):
                    check(sub, f"{node.name}.")
    return found


def test_public_functions_document_their_arguments():
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in undocumented(path)]
    assert found == [], f"{len(found)} public functions without numpydoc sections:\n" + "\n".join(found)


def test_the_check_finds_a_bare_function(tmp_path):
    probe = PACKAGE / "_probe_docstrings.py"
    try:
        probe.write_text('__all__ = ["f"]\n\ndef f(a, b, c):\n    """Only a summary."""\n\ndef g(a, b, c):\n    pass\n')
        assert [line.split(" ", 1)[1] for line in undocumented(probe)] == ["f: no Parameters, Returns"]
    finally:
        probe.unlink()
