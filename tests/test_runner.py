"""Running notebooks: parameters checked first, failures named, last good report kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from carelib.errors import ParameterError, RunError
from carelib.report.findings import read_findings
from carelib.report.html import check_offline
from carelib.run.notebook import (
    coerce_parameters,
    notebook_parameters,
    parameters_table,
    run_notebook,
)

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


@pytest.mark.notebook
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


@pytest.mark.notebook
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


def test_kernel_starts_in_the_notebook_folder_without_changing_ours(tmp_path, monkeypatch):
    """Parallel playbook steps run in threads: a process-wide chdir would make them race.

    The kernel's OpenMP threads sleep when idle (two kernels at once spun a 4 s k-means into 45 s);
    the rest of the environment is ours.
    """
    import os

    import nbformat

    from carelib.run.notebook import execute_notebook

    (tmp_path / "sub").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os; print(os.getcwd()); "
                                          "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('CAREKIT_PROBE'))")]
    nbformat.write(nb, tmp_path / "sub" / "where.ipynb")
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("CAREKIT_PROBE", "kept")
    before = os.getcwd()
    out = execute_notebook(tmp_path / "sub" / "where.ipynb", tmp_path / "out.ipynb", {})
    where, env = out.cells[0].outputs[0]["text"].strip().splitlines()
    assert where == str((tmp_path / "sub").resolve())
    assert env == "PASSIVE kept"
    assert os.getcwd() == before


def test_a_wait_policy_the_user_set_is_kept():
    from carelib.run.kernels import kernel_env

    assert kernel_env({"OMP_WAIT_POLICY": "ACTIVE"})["OMP_WAIT_POLICY"] == "ACTIVE"
    assert kernel_env({})["OMP_WAIT_POLICY"] == "PASSIVE"


# --- allowed values declared in the parameter comments (checked before any data loads) -------------------------

RULED = '''data_dir: str = "ws"  # workspace folder
source: str = "responses"  # table to read {responses, complaints}
window: int = 4  # weeks [1, 104]
confidence: float = 0.95  # interval level (0, 1)
period: str = "2026-W47"  # last week {latest, <iso-week>}
compare_to: str = "previous"  # {previous, <iso-week-range>}
as_of: str = ""  # day {"", <date>}
segment: str = "region"  # column of responses <column of responses>
by: list[str] = ["region"]  # columns <column of {source}>
note: str = "x"  # free text (with a parenthesis, a comma)
'''


@pytest.fixture()
def ruled(tmp_path) -> Path:
    """A notebook whose parameters carry rules, beside a workspace whose responses.csv is valid only in its header."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(RULED)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(window)")]
    path = tmp_path / "ruled.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "ws").mkdir()
    # only the header may be read: the rows below would not parse as a table
    (tmp_path / "ws" / "responses.csv").write_bytes(b"response_id,region,plan\n\xff\xfe\x00garbage\x00\n")
    (tmp_path / "ws" / "complaints.csv").write_text("complaint_id,category\n", encoding="utf-8")
    return path


def test_rules_are_read_from_the_comments(ruled):
    params = notebook_parameters(ruled)
    assert params["window"].rule.text == "[1, 104]" and params["window"].help == "weeks [1, 104]"
    assert params["confidence"].rule.describe("float") == "a number greater than 0 and less than 1"
    assert params["source"].rule.choices == ("responses", "complaints")
    assert params["period"].rule.describe("str") == "latest or an ISO week such as 2026-W47"
    assert params["note"].rule is None and params["data_dir"].rule is None


@pytest.mark.parametrize(
    ("given", "message"),
    [({"window": "0"}, r"'window' expects an integer from 1 to 104 \(weeks\); got 0$"),
     ({"window": "1000000000000000000000"}, r"'window' expects an integer from 1 to 104"),
     ({"confidence": "1"}, r"'confidence' expects a number greater than 0 and less than 1"),
     ({"confidence": ".nan"}, r"'confidence' expects a number greater than 0"),
     ({"source": "reviews"}, r"'source' expects one of responses, complaints \(table to read\); got 'reviews'"),
     ({"period": "2025-W53"}, r"'period' expects latest or an ISO week"),  # 2025 has 52 ISO weeks
     ({"period": "2026-W47" + "0" * 5000}, r"got '2026-W470+… \(5010 characters\)$"),
     ({"compare_to": "2026-W30..2026-W20"}, r"'compare_to' expects previous or a range of ISO weeks"),
     ({"as_of": "2026-02-30"}, r"'as_of' expects empty or a date such as 2026-11-22"),
     ({"segment": "regoin"}, r"'segment' expects a column of responses .*got 'regoin'; responses.csv has no "
                             r"column 'regoin'; its columns are: response_id, region, plan$"),
     ({"source": "complaints", "by": "[region]"}, r"'by' expects a column of the table or file that 'source' "
                                                 r"names.*complaints.csv has no column 'region'; its columns are: "
                                                 r"complaint_id, category$")],
)
def test_values_outside_a_rule_are_refused_naming_what_is_allowed(ruled, given, message):
    with pytest.raises(ParameterError, match=message):
        coerce_parameters(ruled, given, strings=True)


def test_values_inside_the_rules_pass_and_columns_come_from_the_header_only(ruled):
    ok = coerce_parameters(ruled, {"window": "104", "confidence": "0.5", "period": "latest", "as_of": "",
                                   "compare_to": "2026-W20..2026-W27", "segment": "plan", "by": "[region, plan]"},
                           strings=True)
    assert ok["window"] == 104 and ok["by"] == ["region", "plan"] and ok["period"] == "latest"
    assert coerce_parameters(ruled, {"period": "2026-W01"})["period"] == "2026-W01"
    # no workspace, no table: a column cannot be checked, so it is not refused here (the notebook says so)
    assert coerce_parameters(ruled, {"segment": "anything"}, data=ruled.parent / "absent") == {"segment": "anything"}


def test_a_rule_with_an_unknown_format_is_an_error_of_the_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('period: str = "x"  # week <isoweek>')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "bad.ipynb")
    with pytest.raises(ParameterError, match=r"bad.ipynb: parameter 'period': unknown format <isoweek>"):
        notebook_parameters(tmp_path / "bad.ipynb")


@pytest.mark.parametrize("notebook", sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_default_satisfies_its_own_rule(notebook):
    params = notebook_parameters(notebook)
    ruled_ = {n: p for n, p in params.items() if p.rule is not None}
    assert ruled_, f"{notebook.name} declares no allowed values"
    for name, p in ruled_.items():
        assert p.rule.violation(p.default, p.type) is None, (name, p.default, p.rule.text)


def test_command_line_text_has_one_rule_for_run_and_playbook():
    from carelib.run.notebook import value_from_text

    assert value_from_text("3", "int") == 3 and value_from_text("3", "float") == 3.0
    assert value_from_text("[a, b", "list[str]") == "[a, b"  # not YAML: stays text; the type check speaks
    assert value_from_text("{a: 1", "dict") == "{a: 1"
    assert value_from_text("007", "str") == "007" and value_from_text("true", "bool") is True


def test_a_refused_value_starts_no_kernel(ruled, monkeypatch, tmp_path):
    import carelib.run.notebook as runner

    monkeypatch.setattr(runner, "execute_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    with pytest.raises(ParameterError, match="expects an integer from 1 to 104"):
        run_notebook(ruled, {"window": "0"}, tmp_path / "out", strings=True)
    assert not (tmp_path / "out").exists()


def test_kernel_stderr_drops_the_two_expected_lines_and_keeps_the_rest():
    from carelib.run.kernels import KernelStderr

    with KernelStderr() as err:
        err.file.write(b"[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All ...\n"
                       b"[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
                       b"Segmentation fault in libfoo\n")
        assert err.text() == "Segmentation fault in libfoo\n"


@pytest.mark.notebook
def test_a_successful_run_prints_nothing_on_stderr(tiny, tmp_path, capfd):
    """No kernel log noise ("without encryption", "KeyboardInterrupt caught in kernel") when all is well."""
    run_notebook(tiny, {}, tmp_path / "out")
    err = capfd.readouterr().err
    assert "IPKernelApp" not in err and "without encryption" not in err and "KeyboardInterrupt" not in err
