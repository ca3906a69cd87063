"""The committed notebooks carry clean outputs: no warnings or errors, no absolute paths, no memory addresses.

nbval re-checks the outputs against a fresh run; this test keeps out what would make that comparison
machine-dependent (a warning printing a site-packages path) or leak the author's machine into the repository.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ABSOLUTE = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|Users|usr|opt)/[\w./-]+")
ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]{6,}\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" or out.get("name") == "stderr":
                problems.append(f"cell {i}: {out.get('output_type')} {out.get('name', '')} output")
            text = json.dumps(out.get("data", {})) + "".join(out.get("text", []))
            for pattern in (ABSOLUTE, ADDRESS):
                if m := pattern.search(text):
                    problems.append(f"cell {i}: {m.group(0)!r}")
    assert not problems, f"{path.name}: " + "; ".join(problems[:5])
