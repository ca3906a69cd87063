"""Open a rendered report in a real headless Chromium, offline, and say what a reader would see.

Uses Playwright with the system's Chromium (Debian's ``chromium`` package); no browser is
downloaded. Networking beyond ``file://`` is refused: any request that tries to leave the
machine is recorded as a failure.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from carelib.errors import RunError

__all__ = ["BrowserCheck", "chromium_path", "check_in_browser", "to_pdf"]

_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@dataclass
class BrowserCheck:
    """What the browser saw: console errors, requests that failed or left the machine, images."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    images: int = 0
    broken_images: list[str] = field(default_factory=list)
    visible_code: bool = False
    title: str = ""

    @property
    def ok(self) -> bool:
        return not (self.console_errors or self.failed_requests or self.external_requests or self.broken_images)


def chromium_path() -> str | None:
    """Path of the system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def check_in_browser(report: str | Path, screenshot: str | Path | None = None, width: int = 1200) -> BrowserCheck:
    """Load ``report`` in headless Chromium with the network cut off; optionally save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RunError("no Chromium found: install Debian's 'chromium' package")
    url = Path(report).resolve().as_uri()
    result = BrowserCheck()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})

            def route(r):  # only the report file itself may load
                if r.request.url.startswith(("file://", "data:")):
                    r.continue_()
                else:
                    result.external_requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: result.console_errors.append(str(e)))
            page.on("requestfailed", lambda r: result.failed_requests.append(r.url[:120]))
            page.goto(url, wait_until="load")
            result.title = page.title()
            imgs = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, (e.alt || e.src).slice(0, 60)])"
            )
            result.images = len(imgs)
            result.broken_images = [name for ok, name in imgs if not ok]
            result.visible_code = bool(page.eval_on_selector_all(".jp-InputArea, .jp-CodeCell .jp-Editor", "e => e.length"))
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return result


def to_pdf(report: str | Path, pdf: str | Path) -> Path:
    """Print a rendered report to PDF with headless Chromium (A4, backgrounds on), offline; written atomically."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RunError("no Chromium found: install Debian's 'chromium' package to export PDF")
    pdf = Path(pdf)
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:")) else r.abort())
            page.goto(Path(report).resolve().as_uri(), wait_until="load")
            page.pdf(path=str(tmp), format="A4", print_background=True,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
    tmp.replace(pdf)
    return pdf
