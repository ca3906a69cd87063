"""`make lab`: the project's kernel is registered as the Makefile says, and a headless Jupyter server lists it.

The kernel goes into a temporary prefix here (``make kernel KERNEL_WHERE=--prefix=…``, the same recipe `make lab`
runs with ``--sys-prefix``), so the test never changes .venv; the server is told where with ``JUPYTER_PATH``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

KERNEL = "carekit"
DISPLAY = "carekit (.venv)"


def _make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    need("make", shutil.which("make") is not None, "make is not installed")
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - a local server of this test
        return resp.status, json.loads(resp.read())


def test_make_lab_installs_the_lab_extra_and_registers_the_kernel_before_starting():
    plan = _make("-n", "lab").stdout  # a dry run: prints the recipes (the kernel's through the recursive make)
    kernel = plan.index(f'-m ipykernel install --sys-prefix --name {KERNEL} --display-name "{DISPLAY}"')
    assert kernel < plan.index("jupyter lab notebooks/")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'lab = ["jupyterlab>=4.2", "ipywidgets>=8.1"]' in pyproject


def test_a_headless_server_lists_the_projects_kernel(tmp_path):
    lab = importlib.util.find_spec("jupyterlab") is not None
    server = importlib.util.find_spec("jupyter_server") is not None
    need("jupyter", server, "neither jupyterlab nor jupyter_server is installed (pip install -e '.[lab]')")
    done = _make("kernel", f"KERNEL_WHERE=--prefix={tmp_path / 'prefix'}", f"BIN={Path(sys.executable).parent}")
    assert done.returncode == 0, done.stderr
    spec_dir = tmp_path / "prefix" / "share" / "jupyter" / "kernels" / KERNEL
    spec = json.loads((spec_dir / "kernel.json").read_text(encoding="utf-8"))
    assert spec["display_name"] == DISPLAY and Path(spec["argv"][0]).parent == Path(sys.executable).parent
    port, token = _free_port(), "carekit-test-token"
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "prefix" / "share" / "jupyter"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    app = ["-m", "jupyterlab"] if lab else ["-m", "jupyter_server"]
    proc = subprocess.Popen([sys.executable, *app, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
                             "--ServerApp.port_retries=0", *(["--allow-root"] if os.geteuid() == 0 else [])],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        specs, deadline = None, time.monotonic() + 60
        while specs is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                status, specs = _get(f"http://127.0.0.1:{port}/api/kernelspecs", token)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        assert specs is not None, f"the server did not answer: {proc.stderr.read() if proc.poll() is not None else ''}"
        assert status == 200 and KERNEL in specs["kernelspecs"]
        assert specs["kernelspecs"][KERNEL]["spec"]["display_name"] == DISPLAY
        assert "python3" in specs["kernelspecs"]  # the notebooks' kernelspec: this same interpreter
        with pytest.raises(urllib.error.HTTPError):  # the token is required
            _get(f"http://127.0.0.1:{port}/api/kernelspecs", "wrong")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    assert proc.returncode is not None
