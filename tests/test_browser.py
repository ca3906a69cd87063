"""A rendered report in a real headless Chromium with the network cut off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carelib.run.notebook import run_notebook
from tests.conftest import need

FIXTURE = Path(__file__).parent / "fixtures" / "notebooks" / "tiny.ipynb"


@pytest.mark.notebook
def test_report_loads_offline_with_images_and_no_errors(browser_ready, tmp_path):
    from carelib.report.browser import check_in_browser

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
    from carelib.report.browser import check_in_browser

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


def test_browser_check_sees_what_hostile_markup_does(browser_ready, tmp_path):
    """The checks the injection tests rely on do fire: on an unsanitised page each payload is caught."""
    from carelib.report.browser import check_in_browser

    page = tmp_path / "hostile.html"
    page.write_text(
        "<html><head><title>Report</title><style>main{display:none}</style>"
        '<meta http-equiv="refresh" content="60;url=http://127.0.0.1:9/later"></head><body><main><p>text</p></main>'
        '<div style="position:fixed;inset:0;background:#fff">Your session expired</div>'
        '<a href="java\tscript:window.__pwned=1">track</a><a href="http://127.0.0.1:9/link">sign in</a>'
        "<button onclick=\"alert('hi')\">ok</button><script>setTimeout(() => document.title = 'pwned', 200)</script>"
        "</body></html>",
        encoding="utf-8",
    )
    check = check_in_browser(page, click=True, settle_ms=400)
    assert not check.ok
    assert check.pwned[0] == "after click 1" and check.title == "pwned"  # the javascript: link, then the script
    assert check.external_requests == ["http://127.0.0.1:9/link"]  # answered "204 no content": the page stays
    assert check.dialogs == ["alert: hi"] and check.http_equiv == ["refresh"]
    assert check.fixed_elements and not check.main_visible

    refresh = tmp_path / "refresh.html"
    refresh.write_text('<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/now"><main>x</main>', encoding="utf-8")
    check = check_in_browser(refresh)
    assert not check.ok and check.external_requests == ["http://127.0.0.1:9/now"] and check.http_equiv == ["refresh"]


def test_pdf_needs_chromium_only_not_playwright(tmp_path):
    """--pdf on a plain install: to_pdf runs Chromium as a subprocess; playwright (dev extra) is never imported."""
    import subprocess
    import sys

    from carelib.report.browser import chromium_path

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    page = tmp_path / "r.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><main><h1>Brief</h1></main>"
                    "</body></html>", encoding="utf-8")
    script = ("import sys; sys.modules['playwright'] = None\n"  # an import of playwright would now fail
              "from carelib.report.browser import to_pdf\n"
              f"to_pdf({str(page)!r}, {str(tmp_path / 'r.pdf')!r}, footer='book · run R1')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import pdfplumber

    with pdfplumber.open(tmp_path / "r.pdf") as doc:
        text = doc.pages[0].extract_text()
    assert "Brief" in text and "book · run R1" in text and "page 1 of 1" in text
