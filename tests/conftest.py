"""Shared fixtures: paths to the repository, the demo workspace and the real data sets."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

collect_ignore_glob = ["fixtures/*"]

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
# The real public data sets live beside the checkout, never inside it.
SHARED_DATA = Path(os.environ.get("CAREKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


# CI sets CAREKIT_REQUIRE (e.g. "chromium,embeddings,spark,java,shared-data"): a test that would
# skip for lack of one of those pieces fails instead, so CI cannot pass by skipping.
REQUIRED = {p.strip() for p in os.environ.get("CAREKIT_REQUIRE", "").split(",") if p.strip()}


def need(piece: str, available: bool, reason: str) -> None:
    """Skip with ``reason`` when ``piece`` is missing, or fail when CI requires it."""
    if available:
        return
    if piece in REQUIRED:
        pytest.fail(f"{piece} is required in this run (CAREKIT_REQUIRE) but missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    if not (DEMO / "responses.csv").exists():
        pytest.skip(f"demo workspace not generated at {DEMO.relative_to(ROOT)} (run: make demo-data)")
    return DEMO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real public data sets; tests using it skip when it is absent."""
    need("shared-data", SHARED_DATA.is_dir(), f"real data sets not found at {SHARED_DATA} (set CAREKIT_SHARED_DATA)")
    return SHARED_DATA


def committed_report(notebook: Path) -> tuple[object, str]:
    """The committed notebook (executed on the demo with its default parameters) and the report rendered from it.

    nbval re-executes every committed notebook in ``make test`` and fails when a fresh run's outputs differ, so a
    test of the demo run with default parameters reads these outputs instead of running the notebook once more.
    """
    import nbformat

    from carelib.report.html import Section, render_report

    nb = nbformat.read(notebook, as_version=4)
    return nb, render_report([Section.from_notebook(nb, notebook.name)])


def shared_file(shared: Path, *parts: str) -> Path:
    """Path to one file of the real data; skip with the reason when it is missing."""
    p = shared.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data file missing: {p}")
    return p


@pytest.fixture(scope="module")
def browser_ready():
    """Chromium and playwright, or a skip (a failure where CAREKIT_REQUIRE names chromium)."""
    from carelib.report.browser import chromium_path

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        need("chromium", False, "playwright is not installed (pip install -e '.[dev]')")


# Files whose module fixtures are one build: they run on one xdist worker, so the build runs once.
SHARED_GROUPS = {"test_pii_corpus.py": "hostile", "test_injection.py": "hostile"}


# Seconds each of the longest work units took (make test, 2026-12-07, on 2 cores): the scheduler hands out the
# longest first, so the two workers do not end with one of them alone on a four-minute file. Only the order
# depends on these numbers; a unit not listed counts one second a test.
MEASURED_SECONDS = {
    "hostile": 137, "test_playbooks_real.py": 118, "test_engines_spark.py": 75, "test_reports_real_text.py": 108, "test_voc_notebook.py": 64,
    "test_cli.py": 53, "test_playbook.py": 53, "test_reports_real_weekly.py": 30, "test_metric_review_notebook.py": 27,
    "test_metrics.py": 26, "test_service_notebooks.py": 25, "test_runner.py": 22, "metric_review.ipynb": 18,
    "test_incremental_review.py": 15, "test_segments_journeys.py": 15, "service_quality.ipynb": 14,
    "test_interview_notebook.py": 14, "segments_and_journeys.ipynb": 13, "test_architecture.py": 12,
}


def pytest_xdist_make_scheduler(config, log):
    """One work unit per file (as ``--dist loadfile``), except the files of one shared build, which form one unit;
    the longest units first (:data:`MEASURED_SECONDS`).

    A scheduler of our own rather than ``--dist loadgroup``: loadgroup marks a test by appending ``@group`` to its
    private ``_nodeid``, which pytest 9.2 no longer reads (it keeps ``_id``), so every test, and every nbval
    cell of one notebook, was sent to any worker — cells ran in a kernel without the cells before them.
    """
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    def seconds(unit: str, tests: dict) -> float:
        return MEASURED_SECONDS.get(Path(unit).name, len(tests))

    class LongestFirst(OrderedDict):
        """The work queue: a worker asking for work gets the longest unit left (ties: the first queued)."""

        def popitem(self, last: bool = True):
            if last or not self:
                return super().popitem(last)
            unit = max(self, key=lambda u: seconds(u, self[u]))
            return unit, self.pop(unit)

    class ByFile(LoadScopeScheduling):
        def __init__(self, config, log=None) -> None:
            super().__init__(config, log)
            self.workqueue = LongestFirst()

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return SHARED_GROUPS.get(Path(file).name, file)

    return ByFile(config, log)


@pytest.fixture(scope="session")
def hostile_runs(tmp_path_factory):
    """The four playbooks and the two exporting notebooks on the hostile workspace (``tests/hostile.py``)."""
    from tests.hostile import run_hostile

    return run_hostile(tmp_path_factory.mktemp("hostile"))
