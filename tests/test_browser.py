"""A rendered report in a real headless Chromium with the network cut off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carelib.runner import run_notebook
from tests.conftest import need

FIXTURE = Path(__file__).parent / "fixtures" / "notebooks" / "tiny.ipynb"


@pytest.fixture(scope="module")
def browser_ready():
    from carelib.browser import chromium_path

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        need("chromium", False, "playwright is not installed (pip install -e '.[dev]')")


def test_report_loads_offline_with_images_and_no_errors(browser_ready, tmp_path):
    from carelib.browser import check_in_browser

    nb = tmp_path / "tiny.ipynb"
    shutil.copy(FIXTURE, nb)
    result = run_notebook(nb, {}, tmp_path / "out")
    check = check_in_browser(result.report, screenshot=tmp_path / "shot.png")
    assert check.ok, check
    assert check.images == 1 and not check.broken_images
    assert not check.visible_code
    assert check.title == "Tiny"
    assert (tmp_path / "shot.png").stat().st_size > 10_000


def test_browser_check_catches_what_a_reader_would_miss(browser_ready, tmp_path):
    from carelib.browser import check_in_browser

    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img src="missing.png" alt="gone"><img src="https://example.com/x.png">'
        "<script>undefinedFunction()</script></body></html>",
        encoding="utf-8",
    )
    check = check_in_browser(page)
    assert not check.ok
    assert check.external_requests == ["https://example.com/x.png"]
    assert "gone" in check.broken_images
    assert any("undefinedFunction" in e for e in check.console_errors)
