"""The Jupyter kernels carelib starts: known, so an interrupted run can stop them at once; quiet when all is well.

papermill/nbclient start one kernel per notebook run in a session of its own (so a terminal's
Ctrl-C never reaches it). carelib hands nbclient the kernel manager class of a
:class:`KernelStderr`, which

* records each kernel's process so :func:`stop_all` can kill it (and what it started) on
  Ctrl-C or SIGTERM, instead of waiting for the cell that is running to finish;
* sends the kernel's own stderr to a temporary file. Two lines there are expected on every
  run and say nothing about the notebook: ipykernel's "Kernel is running over TCP without
  encryption" (the kernel listens on localhost only) and "KeyboardInterrupt caught in
  kernel" (jupyter_client interrupts a kernel before shutting it down). Those are dropped;
  anything else the kernel writes (a crash, a library writing to the file descriptor) is
  passed on to carelib's stderr after the run, so no real error is hidden.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["KernelStderr", "kernel_env", "KernelStopped", "stop_all", "stopping", "allow_starts", "run_interruptibly", "NOISE",
           "quiet_logs"]

NOISE = re.compile(
    r"Kernel is running over TCP without encryption|KeyboardInterrupt caught in kernel"
)

_LIVE: weakref.WeakSet = weakref.WeakSet()
_LOCK = threading.Lock()
_STOPPING = threading.Event()

T = TypeVar("T")


class KernelStopped(RuntimeError):
    """A kernel start was refused because the run is being stopped."""


def _kill(km: Any) -> None:
    pid = getattr(km.provisioner, "pid", None) if km.provisioner is not None else None
    if not pid:
        return
    # the kernel leads its own session (jupyter_client's start_new_session): its group is its pid
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill()
            return


@functools.cache
def _tracked_manager() -> type:
    """AsyncKernelManager whose kernel is registered for :func:`stop_all` and whose stderr goes to a file.

    Built on first use: importing jupyter_client costs every ``carelib`` command a sixth of a second.
    """
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        stderr_sink: Any = None  # set on the per-run subclass made by KernelStderr

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if _STOPPING.is_set():
                raise KernelStopped("the run is being stopped: no new kernel")
            if self.stderr_sink is not None:
                kw["stderr"] = self.stderr_sink
            kw["env"] = kernel_env(kw.get("env"))
            with _LOCK:
                _LIVE.add(self)
            await super()._async_launch_kernel(kernel_cmd, **kw)
            if _STOPPING.is_set():  # stop_all ran while this kernel was starting
                _kill(self)
                raise KernelStopped("the run is being stopped: kernel killed as it started")

    return TrackedKernelManager


def kernel_env(env: dict[str, str] | None) -> dict[str, str]:
    """The environment a step's kernel starts with: the caller's, OpenMP threads told to sleep when idle.

    A playbook runs two kernels at once, and a machine may be busy with other work. OpenMP's default
    is to spin while waiting for work, so scikit-learn's k-means on two busy cores ran 12x slower
    (a 3.6 s segmentation took 45 s next to one other busy process). ``OMP_WAIT_POLICY=PASSIVE`` makes
    idle threads sleep; a value the user set is kept.
    """
    out = dict(os.environ if env is None else env)
    out.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return out


def _without_shutdown_races(lines: list[str]) -> list[str]:
    r"""The lines less tornado's report of a ZMQ send on a socket already closed as the kernel shuts down (a
    harmless race, seen when a run stops early, e.g. on a full disk); any other traceback is kept whole.

    Examples
    --------
    >>> race = ["ERROR:tornado.general:Uncaught exception in ZMQStream callback\n", "Traceback (most recent...\n",
    ...         "  File zmqstream.py\n", "zmq.error.ZMQError: Socket operation on non-socket\n"]
    >>> _without_shutdown_races(["a\n", *race, "b\n"])
    ['a\n', 'b\n']
    >>> _without_shutdown_races(race[:3] + ["ValueError: real\n"]) == race[:3] + ["ValueError: real\n"]
    True
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        if "Uncaught exception in ZMQStream callback" in lines[i]:
            end = next((j for j in range(i + 1, len(lines)) if not lines[j].startswith((" ", "Traceback"))), None)
            if end is not None and lines[end].startswith("zmq.error.ZMQError"):
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return out


class KernelStderr:
    """A kernel's stderr kept in a temporary file; read back without the two expected noise lines.

    Use ``manager_class`` as nbclient's ``kernel_manager_class`` for one run, then
    :meth:`text` (or :meth:`forward`) and :meth:`close`.
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.manager_class = type("CarelibKernelManager", (_tracked_manager(),), {"stderr_sink": self.file})

    def text(self) -> str:
        """What the kernel wrote to stderr, less the expected noise lines."""
        try:
            self.file.flush()
            self.file.seek(0)
            raw = self.file.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return "".join(line for line in _without_shutdown_races(raw.splitlines(keepends=True)) if not NOISE.search(line))

    def forward(self, stream: Any = None) -> None:
        """Pass anything real the kernel wrote on to ``stream`` (default: our stderr)."""
        left = self.text()
        if left.strip():
            print(left, end="" if left.endswith("\n") else "\n", file=stream or sys.stderr, flush=True)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()

    def __enter__(self) -> KernelStderr:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _NotWhileStopping(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _STOPPING.is_set()


def quiet_logs() -> None:
    """papermill's and nbclient's warnings and errors on stderr, one plain line each, except while stopping.

    Without a handler Python prints them anyway (its last-resort handler); while kernels are
    being killed nbclient reports each one ("Kernel died before replying ...") though
    nothing went wrong. Idempotent.
    """
    log = logging.getLogger("papermill")
    if any(isinstance(f, _NotWhileStopping) for h in log.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_NotWhileStopping())
    log.addHandler(handler)


def stopping() -> bool:
    """Whether :func:`stop_all` ran since the last :func:`allow_starts`."""
    return _STOPPING.is_set()


def allow_starts() -> None:
    """Let kernels start again (a new run begins)."""
    _STOPPING.clear()


def stop_all() -> int:
    """Kill every kernel carelib started that is still running; refuse new ones until :func:`allow_starts`.

    Returns the number of kernels signalled.
    """
    _STOPPING.set()
    with _LOCK:
        live = list(_LIVE)
    n = 0
    for km in live:
        with contextlib.suppress(Exception):
            if km.has_kernel:
                _kill(km)
                n += 1
    return n


def run_interruptibly(fn: Callable[..., T], *args: Any, grace: float = 1.5, **kwargs: Any) -> T:
    """Run ``fn`` in a worker thread; on Ctrl-C (or SIGTERM turned into KeyboardInterrupt) kill its kernels at once.

    The main thread only waits, so the interrupt lands here rather than deep inside nbclient's
    event loop (whose own clean-up asks the kernel to shut down and waits several seconds).
    After killing the kernels the worker gets ``grace`` seconds to wind down, then the
    interrupt is re-raised.

    Parameters
    ----------
    fn : callable
        The work, e.g. a notebook execution that starts kernels through this module.
    *args : Any
        Positional arguments of ``fn``.
    grace : float
        Seconds the worker may take to wind down after an interrupt.
    **kwargs : Any
        Keyword arguments of ``fn``.

    Returns
    -------
    T
        What ``fn`` returned; an exception ``fn`` raised is re-raised in the caller's thread.

    Examples
    --------
    >>> run_interruptibly(max, 2, 5)
    5
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="carelib-run", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except BaseException:
        stop_all()
        worker.join(grace)
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]
