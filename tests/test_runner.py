"""Running notebooks: parameters checked first, failures named, last good report kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from carelib.errors import ParameterError, RunError
from carelib.findings import read_findings
from carelib.report import check_offline
from carelib.runner import coerce_parameters, notebook_parameters, parameters_table, run_notebook

FIXTURE = Path(__file__).parent / "fixtures" / "notebooks" / "tiny.ipynb"


@pytest.fixture()
def tiny(tmp_path) -> Path:
    dst = tmp_path / "nb" / "tiny.ipynb"
    dst.parent.mkdir()
    shutil.copy(FIXTURE, dst)
    return dst


def test_parameters_are_read_with_types_and_comments():
    params = notebook_parameters(FIXTURE)
    assert list(params) == ["data_dir", "confidence", "weeks", "segments", "fail"]
    assert params["confidence"].type == "float" and params["confidence"].default == 0.95
    assert params["confidence"].help == "confidence level"
    assert params["segments"].default == ["region"]
    assert parameters_table(FIXTURE).shape == (5, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [({"confidence": "0.9"}, 0.9), ({"confidence": "1"}, 1.0), ({"weeks": "3"}, 3), ({"fail": "true"}, True),
     ({"segments": "[region, plan]"}, ["region", "plan"]), ({"data_dir": "123"}, "123")],
)
def test_command_line_values_are_typed(raw, expected):
    assert list(coerce_parameters(FIXTURE, raw, strings=True).values()) == [expected]


@pytest.mark.parametrize(
    ("raw", "message"),
    [({"confidence": "high"}, r"parameter 'confidence' expects float \(confidence level\), default 0.95; got 'high'"),
     ({"weeks": "2.5"}, r"'weeks' expects int"),
     ({"fail": "maybe"}, r"'fail' expects bool"),
     ({"segments": "[1, 2]"}, r"'segments' expects list\[str\]"),
     ({"nope": "1"}, r"has no parameter 'nope'; its parameters are: data_dir, confidence")],
)
def test_wrong_values_are_refused(raw, message):
    with pytest.raises(ParameterError, match=message):
        coerce_parameters(FIXTURE, raw, strings=True)


def test_wrong_type_refused_before_any_cell_runs(tiny, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ParameterError):
        run_notebook(tiny, {"confidence": "high"}, out, strings=True)
    assert not out.exists()


def test_run_writes_executed_notebook_and_self_contained_report(tiny, tmp_path):
    out = tmp_path / "out"
    result = run_notebook(tiny, {"weeks": "3"}, out, strings=True)
    assert result.executed == out / "tiny.ipynb" and result.report == out / "tiny.html"
    page = result.report.read_text(encoding="utf-8")
    assert check_offline(page) == []
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # customer text escaped
    assert "fish &amp; chips" in page
    assert 'src="data:image/png;base64,' in page  # chart inline
    assert "import pandas" not in page and "fail: bool" not in page  # no code
    assert "Key findings" in page and "A value &lt;b&gt;" in page
    assert "parameter weeks" in page and "carelib version" in page and "git commit" in page
    findings = read_findings(result.executed)
    assert findings[0]["key"] == "demo.value" and findings[0]["note"] == "weeks=3"


def test_failure_names_cell_keeps_notebook_and_last_report(tiny, tmp_path):
    out = tmp_path / "out"
    good = run_notebook(tiny, {}, out)
    before = good.report.read_bytes()
    with pytest.raises(RunError, match=r"tiny.ipynb failed in cell 8 under '1. A table with customer text'.*ValueError: planted failure"):
        run_notebook(tiny, {"fail": True}, out)
    assert good.report.read_bytes() == before
    failed = out / "tiny.failed.ipynb"
    assert failed.exists()
    assert any(o.get("ename") == "ValueError" for c in nbformat.read(failed, 4).cells for o in c.get("outputs", []))
    assert not (out / "tiny.running.ipynb").exists()


def test_data_folder_must_exist(tiny, tmp_path):
    from carelib.errors import DataError

    with pytest.raises(DataError, match="does not exist"):
        run_notebook(tiny, {}, tmp_path / "out", data=tmp_path / "missing")


def test_kernel_starts_in_the_notebook_folder_without_changing_ours(tmp_path):
    """Parallel playbook steps run in threads: a process-wide chdir would make them race."""
    import os

    import nbformat

    from carelib.runner import execute_notebook

    (tmp_path / "sub").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os; print(os.getcwd())")]
    nbformat.write(nb, tmp_path / "sub" / "where.ipynb")
    before = os.getcwd()
    out = execute_notebook(tmp_path / "sub" / "where.ipynb", tmp_path / "out.ipynb", {})
    assert out.cells[0].outputs[0]["text"].strip() == str((tmp_path / "sub").resolve())
    assert os.getcwd() == before
