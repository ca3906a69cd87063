"""Open a rendered report in a real headless Chromium, offline, and say what a reader would see.

Uses Playwright with the system's Chromium (Debian's ``chromium`` package); no browser is
downloaded. Every request other than the report file itself (and its inline ``data:``
images) is refused and recorded: one that would leave the machine, and one for another
local file. With ``click=True`` every link, summary and button is clicked, as a curious
reader would, and the page is checked again: no script ran (``window.__pwned``, a changed
title, a dialog), nothing navigated away or opened, nothing covers or hides the report.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carelib.errors import RunError

__all__ = ["BrowserCheck", "Layout", "chromium_path", "check_in_browser", "layout", "to_pdf"]

_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
_CLICKABLE = "a[href], area[href], summary, button, input, [onclick]"
# What the page looks like from inside: signs of script, of layout taken over, of a redirect waiting.
_INSPECT = """() => {
  const main = document.querySelector('main');
  const cs = main && getComputedStyle(main), box = main && main.getBoundingClientRect();
  const fixed = [...document.querySelectorAll('body *')].filter(e => {
    const p = getComputedStyle(e).position; return p === 'fixed' || p === 'sticky'; });
  return {
    title: document.title,
    pwned: typeof window.__pwned !== 'undefined',
    mainVisible: !!main && cs.display !== 'none' && cs.visibility !== 'hidden' && Number(cs.opacity) > 0.1
      && box.width > 0 && box.height > 0,
    fixed: fixed.map(e => { const r = e.getBoundingClientRect();
      return `${e.tagName.toLowerCase()} ${Math.round(r.width)}x${Math.round(r.height)}`; }),
    httpEquiv: [...document.querySelectorAll('meta[http-equiv]')].map(m => m.getAttribute('http-equiv'))
      .filter(h => h.toLowerCase() !== 'content-security-policy'),
    clickable: document.querySelectorAll(SELECTOR).length,
  };
}""".replace("SELECTOR", repr(_CLICKABLE))


@dataclass
class BrowserCheck:
    """What the browser saw: errors, requests, images, and any sign that content took over the page."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    local_requests: list[str] = field(default_factory=list)
    images: int = 0
    broken_images: list[str] = field(default_factory=list)
    visible_code: bool = False
    title: str = ""
    title_changes: list[str] = field(default_factory=list)
    pwned: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    http_equiv: list[str] = field(default_factory=list)
    fixed_elements: list[str] = field(default_factory=list)
    main_visible: bool = True
    clicked: int = 0
    not_inspected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.main_visible and not (
            self.console_errors or self.failed_requests or self.external_requests or self.local_requests
            or self.broken_images or self.title_changes or self.pwned or self.dialogs or self.navigations
            or self.popups or self.http_equiv or self.fixed_elements or self.not_inspected
        )


def chromium_path() -> str | None:
    """Path of the system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _same_document(url: str, report: str) -> bool:
    return url.split("#", 1)[0] == report


def check_in_browser(
    report: str | Path,
    screenshot: str | Path | None = None,
    width: int = 1200,
    *,
    click: bool = False,
    settle_ms: int = 300,
) -> BrowserCheck:
    """Load ``report`` in headless Chromium with the network cut off and inspect it.

    Parameters
    ----------
    report : str or Path
        The HTML file.
    screenshot : str or Path, optional
        Where to save a full-page screenshot (taken after load, before any click).
    width : int
        Viewport width in pixels.
    click : bool
        Also click every link, summary and button, then inspect again.
    settle_ms : int
        Time given after load (and after each click) for a refresh or a late script to act.

    Returns
    -------
    BrowserCheck
        ``ok`` is true when nothing went wrong.
    """
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
                asked = r.request.url
                if _same_document(asked, url) or asked.startswith("data:"):
                    r.continue_()
                    return
                (result.local_requests if asked.startswith("file:") else result.external_requests).append(asked)
                if r.request.is_navigation_request():
                    r.fulfill(status=204)  # "no content": the browser stays on the report, so the check goes on
                else:
                    r.abort()

            def dialog(d):
                result.dialogs.append(f"{d.type}: {d.message[:120]}")
                d.dismiss()

            def navigated(frame):
                if frame == page.main_frame and not _same_document(frame.url, url):
                    result.navigations.append(frame.url[:200])

            def popup(p):
                result.popups.append(p.url[:200])
                p.close()

            page.route("**/*", route)
            page.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: result.console_errors.append(str(e)))
            page.on("requestfailed", lambda r: result.failed_requests.append(r.url[:120]))
            page.on("dialog", dialog)
            page.on("framenavigated", navigated)
            page.on("popup", popup)
            _open(page, url, result)
            page.wait_for_timeout(settle_ms)
            first = _look(page, url, result, lambda: _inspect(page, result, "after load", None), "after load")
            result.title = first.get("title", "")
            imgs = _look(page, url, result, lambda: page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, (e.alt || e.src).slice(0, 60)])"
            ), "images", [])
            result.images = len(imgs)
            result.broken_images = [name for ok, name in imgs if not ok]
            result.visible_code = bool(_look(page, url, result, lambda: page.eval_on_selector_all(
                ".jp-InputArea, .jp-CodeCell .jp-Editor", "e => e.length"), "code", 0))
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            if click:
                _click_everything(page, url, result, first.get("clickable", 0), settle_ms)
                _look(page, url, result, lambda: _inspect(page, result, "after clicking", result.title), "after clicking")
        finally:
            browser.close()
    return result


def _open(page, url: str, result: BrowserCheck) -> None:
    from playwright.sync_api import Error

    try:
        page.goto(url, wait_until="load")
    except Error as exc:  # a refresh or a script navigated away while loading
        result.navigations.append(f"while loading: {str(exc).splitlines()[0][:160]}")


def _look(page, url: str, result: BrowserCheck, how, what: str, default: Any = None) -> Any:
    """Run ``how`` on the report; if the page left it (a refresh, a click), record that and come back first."""
    from playwright.sync_api import Error

    for _ in range(3):
        try:
            if _same_document(page.url, url):
                return how()
        except Error as exc:  # navigated while looking
            result.navigations.append(f"while inspecting: {str(exc).splitlines()[0][:120]}")
        _open(page, url, result)
    result.not_inspected.append(what)
    return {} if default is None else default


def _inspect(page, result: BrowserCheck, when: str, title: str | None) -> dict:
    seen = page.evaluate(_INSPECT)
    if title is not None and seen["title"] != title:
        result.title_changes.append(f"{when}: {seen['title']!r}")
    if seen["pwned"]:
        result.pwned.append(when)
    if not seen["mainVisible"]:
        result.main_visible = False
    result.fixed_elements += [f"{when}: {e}" for e in seen["fixed"] if f"{when}: {e}" not in result.fixed_elements]
    result.http_equiv += [h for h in seen["httpEquiv"] if h not in result.http_equiv]
    return seen


def _click_everything(page, url: str, result: BrowserCheck, count: int, settle_ms: int) -> None:
    """Click each clickable element in turn (by script, so hidden ones too), look, and come back after a navigation."""
    from playwright.sync_api import Error

    title = result.title
    for i in range(count):
        when = f"after click {i + 1}"
        try:
            page.evaluate(f"i => {{ const e = document.querySelectorAll({_CLICKABLE!r})[i]; if (e) e.click(); }}", i)
            page.wait_for_timeout(min(settle_ms, 100))
            seen_title, pwned = page.evaluate("() => [document.title, typeof window.__pwned !== 'undefined']")
            if pwned:
                result.pwned.append(when)
            if seen_title != title:
                result.title_changes.append(f"{when}: {seen_title!r}")
        except Error as exc:  # the page went away under the click: a navigation, recorded
            result.navigations.append(f"{when}: {str(exc).splitlines()[0][:120]}")
            with contextlib.suppress(Error):
                page.wait_for_load_state("load")
        result.clicked += 1
        if not _same_document(page.url, url):
            _open(page, url, result)
    page.wait_for_timeout(settle_ms)


def to_pdf(report: str | Path, pdf: str | Path, timeout: float = 120, *, footer: str = "") -> Path:
    """Print a rendered report to PDF (A4, backgrounds on) with the system's Chromium, offline; written atomically.

    Needs only Debian's ``chromium`` package: Chromium runs as a subprocess
    (``--headless --print-to-pdf``) with a fresh, temporary profile and every network
    request sent to a closed proxy port, so nothing leaves the machine. Page size,
    margins and background printing come from a small print stylesheet added to a
    temporary copy of the report.

    Parameters
    ----------
    report : str or Path
        The rendered HTML report (UTF-8); it is not changed.
    pdf : str or Path
        The PDF file to write (folders are created; an existing file is replaced whole).
    timeout : float
        Seconds Chromium may take before it is killed and a ``RunError`` raised.
    footer : str
        Printed at the bottom left of every page (the playbook and run id), beside "page N of M"
        at the bottom right (CSS page-margin boxes; letters, digits and ``-_.:·/ `` only).

    Returns
    -------
    Path
        ``pdf``; a :class:`~carelib.errors.RunError` when no Chromium is installed, the report
        cannot be read, or Chromium fails or times out.
    """
    import os
    import signal
    import subprocess
    import tempfile

    from carelib.files import copy_atomic

    exe = chromium_path()
    if exe is None:
        raise RunError("cannot print PDF: no Chromium found; install Debian's 'chromium' package "
                       "(apt-get install chromium)")
    report, pdf = Path(report), Path(pdf)
    try:
        page = report.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot print PDF: cannot read {report}: {exc.strerror or exc}") from exc
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="carelib-pdf-") as tmp:
        printable = Path(tmp) / "report.html"
        printable.write_text(_printable(page, footer), encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [exe, "--headless", *_ARGS, f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
               "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--print-to-pdf={out}", printable.as_uri()]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)  # its own group: killed whole on timeout or Ctrl-C
        try:
            _, err = proc.communicate(timeout=timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if isinstance(sys.exc_info()[1], subprocess.TimeoutExpired):
                raise RunError(f"cannot print PDF: Chromium did not finish within {timeout:g} s") from None
            raise
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            last = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip() and "dbus" not in ln.lower()]
            why = last[-1].strip()[:200] if last else f"exit code {proc.returncode}"
            raise RunError(f"cannot print PDF: Chromium failed ({why})")
        copy_atomic(out, pdf)  # whole or not at all, with ordinary permissions
    return pdf


_PRINT_CSS = (
    "@page { size: A4; margin: 14mm 12mm 16mm; "
    "@bottom-left { content: FOOTER; font: 8pt system-ui, sans-serif; color: #52606d; } "
    "@bottom-right { content: 'page ' counter(page) ' of ' counter(pages); font: 8pt system-ui, sans-serif; "
    "color: #52606d; } } "
    "html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }"
)
_FOOTER_TEXT = re.compile(r"[^\w .:·/-]+")


def _printable(page: str, footer: str = "") -> str:
    """The report with the print stylesheet added; a Content-Security-Policy that lists style hashes gets its hash."""
    import base64
    import hashlib

    css = _PRINT_CSS.replace("FOOTER", "'" + _FOOTER_TEXT.sub("", footer)[:120] + "'")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    page = re.sub(r"(style-src[^;\"']*(?:'[^']*'[^;\"']*)*?'sha256-[^']+')", rf"\1 'sha256-{digest}'", page, count=1)
    tag = f"<style>{css}</style>"
    return page.replace("</head>", tag + "</head>", 1) if "</head>" in page else tag + page


# Every visible element whose box runs past its parent's right edge (more than one pixel): a table wider than the
# text column, an image, a long word. Content inside a closed <details> has no box and is not looked at.
_OVERFLOW = """() => { const out = [];
  for (const e of document.querySelectorAll('main *')) {
    const p = e.parentElement; if (!p || e.closest('details:not([open]) > :not(summary)')) continue;
    const r = e.getBoundingClientRect(), q = p.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > q.right + 1)
      out.push(`${e.tagName.toLowerCase()}.${e.className} ${Math.round(r.width)}px in ${Math.round(q.width)}px: `
               + (e.textContent || '').replace(/\\s+/g, ' ').slice(0, 60));
  }
  return {height: document.documentElement.scrollHeight, overflowing: out}; }"""


@dataclass
class Layout:
    """How a report lays out at one width: page height, elements wider than their container, accessibility."""

    width: int
    height: int = 0
    overflowing: list[str] = field(default_factory=list)
    #: axe-core violations of impact "serious" or "critical": rule id, impact, help, a few targets
    violations: list[str] = field(default_factory=list)


def layout(report: str | Path, widths: tuple[int, ...] = (1280,), *, screenshots: str | Path | None = None,
           axe: bool = False, open_details: bool = False) -> list[Layout]:
    """Open ``report`` in headless Chromium (offline) at each width and measure what a reader sees.

    Parameters
    ----------
    report : str or Path
        The HTML file.
    widths : tuple of int
        Viewport widths in CSS pixels (1280: a laptop; 390: a phone).
    screenshots : str or Path, optional
        A path stem: a full-page PNG is written to ``<stem>-<width>.png`` for each width.
    axe : bool
        Also run axe-core (``axe-playwright-python``, a dev extra) and keep the serious and critical
        violations.
    open_details : bool
        Open every ``<details>`` first (measure the widths of folded tables too).

    Returns
    -------
    list of Layout
        One per width: page height, overflowing elements, axe violations.
    """
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RunError("no Chromium found: install Debian's 'chromium' package")
    url = Path(report).resolve().as_uri()
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=_ARGS)
        try:
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", lambda r: r.continue_() if _same_document(r.request.url, url)
                           or r.request.url.startswith("data:") else r.abort())
                page.goto(url, wait_until="load")
                if open_details:
                    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                seen = page.evaluate(_OVERFLOW)
                result = Layout(width, seen["height"], seen["overflowing"])
                if screenshots is not None:
                    page.screenshot(path=f"{screenshots}-{width}.png", full_page=True)
                if axe:
                    result.violations = _axe(page)
                out.append(result)
                page.close()
        finally:
            browser.close()
    return out


def _axe(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response.get("violations", [])
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in found if v.get("impact") in ("serious", "critical")]
