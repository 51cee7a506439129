"""Notebook kernels for report runs: on local sockets, warm before they are needed, always ended.

A kernel takes seconds to start and to import pandas, ibis and the analysis package; a report
then waits for none of that when its kernel was started earlier. A process that runs reports
keeps one spare kernel: started while it writes the previous report (or, in a batch worker,
while the batch checks its tables), with `WARM_UP` imported in it. When a report comes, the
spare imports that notebook's own import lines at once, while the run checks its data.

A batch gives each process a `budget`, the count of its reports that have no kernel yet;
a spare is started only for one of those, so no kernel idles to the end of a batch. Every
kernel is registered, so `kill_kernels` ends spares too (SIGTERM, Ctrl-C, a dead parent);
connection files and sockets carry the pid of the process that started them.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import multiprocessing
import os
import signal
import tempfile
import uuid
import weakref
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import nbformat
import zmq
from jupyter_client.client import KernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync

from analysis.warehouse import remove_orphaned_temp

KERNEL_PREFIX = "analysis-kernel-"
"""Kernel sockets and connection files `<tmp>/analysis-kernel-<pid>-<random>*`."""
KERNEL_NAME = "marketing-analysis"
FALLBACK_KERNEL = "python3"

WARM_UP = "import analysis.reporting.cell, analysis.reporting.display, analysis.reporting.session"
"""What a spare imports before it knows its report: the helpers every report notebook's
set-up cell uses (pandas, ibis, matplotlib, the params models, opening the warehouse)."""

IN_MEMORY_HISTORY = "--HistoryManager.hist_file=:memory:"
"""As nbclient starts kernels: parallel kernels share no IPython history database."""


class LocalKernelManager(AsyncKernelManager):
    """Talks to the kernel over local socket files (IPC) instead of TCP on localhost.

    Nothing listens on a network port, and the kernel has no reason to warn that TCP
    traffic is unencrypted. Each kernel gets its own socket prefix, so parallel kernels of
    a batch never pick the same socket files. The clients made for it are kept, so
    `stop_kernel` closes their sockets too (nbclient leaves a kernel it was given running).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        remove_orphaned_temp(KERNEL_PREFIX)  # sockets and keys a killed run left behind
        own = Path(tempfile.gettempdir()) / f"{KERNEL_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        self.transport = "ipc"
        self.ip = str(own)
        # the connection file holds the kernel's key: beside its sockets, swept the same way
        self.connection_file = f"{own}.json"
        self.clients: list[KernelClient] = []
        _KERNEL_MANAGERS.add(self)

    def client(self, **kwargs: Any) -> Any:
        """A client of this kernel, remembered so that `stop_kernel` closes it."""
        made = super().client(**kwargs)
        self.clients.append(made)
        return made

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt, except on the way out.

        jupyter_client sends SIGINT before asking a kernel to shut down; landing while the
        kernel handles a late message, it printed "[IPKernelApp] ERROR | KeyboardInterrupt
        caught in kernel" after reports that succeeded. The shutdown request goes over the
        control channel, and a kernel that does not stop within a second is killed.
        """
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


_KERNEL_MANAGERS: weakref.WeakSet[LocalKernelManager] = weakref.WeakSet()


def kill_kernels() -> None:
    """Kill every kernel this process started, spares included (a stopped batch worker ends
    them silently). Each kernel leads its own process group (jupyter_client starts a new
    session for it)."""
    for manager in list(_KERNEL_MANAGERS):
        pid = getattr(manager.provisioner, "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def kernel_name() -> str:
    """The project's registered kernel when present (make setup), else the default python3."""
    from jupyter_client.kernelspec import KernelSpecManager

    return (
        KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else FALLBACK_KERNEL
    )


@dataclass(frozen=True)
class _Spare:
    """A started kernel waiting for this process's next report."""

    manager: LocalKernelManager
    kernel: str
    cwd: Path
    prepared_for: Path | None = None  # the notebook whose imports it was sent


_spare: _Spare | None = None
_budget: Synchronized | None = None
"""This process's share of the batch: how many of its reports have no kernel yet (None
outside a batch: no spares)."""


def new_budget(reports: int) -> Synchronized:
    """A count of reports without a kernel, shared by the batch's worker processes."""
    return multiprocessing.get_context("spawn").Value("i", reports)


def plan_kernels(budget: Synchronized | None, *, stop: bool = True) -> None:
    """Let this process start spare kernels for the reports counted in `budget` (None: none).

    With None, a spare left over is stopped (unless `stop` is False: in a signal handler).
    """
    global _budget
    _budget = budget
    if budget is None and stop:
        stop_spare()


def _take_from_budget(count_anyway: bool = False) -> bool:
    """One report fewer without a kernel; False (and no change) when none is left, unless
    `count_anyway` (a report that starts its own kernel)."""
    if _budget is None:
        return False
    with _budget.get_lock():
        if _budget.value <= 0 and not count_anyway:
            return False
        _budget.value -= 1
    return True


def start_spare(cwd: Path, notebook: Path | None = None) -> None:
    """Start a kernel in `cwd` for this process's next report, if one is still to come, and
    have it import `WARM_UP` (and `notebook`'s imports, when the next report is known)."""
    global _spare
    if _spare is not None or not _take_from_budget():
        return
    name = kernel_name()
    _spare = _Spare(_start(name, cwd), name, cwd)
    _send_quietly(_spare.manager, WARM_UP)
    if notebook is not None:
        prepare(notebook)


def prepare(notebook: Path) -> None:
    """Have the spare import `notebook`'s modules now, while the run checks its data."""
    global _spare
    if _spare is not None and _spare.prepared_for is None and _fits(_spare, notebook):
        _send_quietly(_spare.manager, notebook_imports(notebook))
        _spare = _Spare(_spare.manager, _spare.kernel, _spare.cwd, prepared_for=notebook)


def kernel_for(notebook: Path) -> LocalKernelManager:
    """A started kernel for `notebook`: the spare when it fits, else a new one (with the
    notebook's imports sent). The caller stops it with `stop_kernel`."""
    global _spare
    prepare(notebook)
    spare, _spare = _spare, None
    if spare is not None and _fits(spare, notebook):
        if spare.prepared_for != notebook:  # warmed for another report of the same folder
            _send_quietly(spare.manager, notebook_imports(notebook))
        return spare.manager
    if spare is not None:
        stop_kernel(spare.manager)  # another kernel or folder: the budget counted it already
    else:
        _take_from_budget(count_anyway=True)
    manager = _start(kernel_name(), notebook.parent)
    _send_quietly(manager, notebook_imports(notebook))
    return manager


def _fits(spare: _Spare, notebook: Path) -> bool:
    return spare.cwd == notebook.parent and spare.kernel == kernel_name()


def _start(name: str, cwd: Path) -> LocalKernelManager:
    manager = LocalKernelManager(kernel_name=name)
    run_sync(manager.start_kernel)(cwd=str(cwd), extra_arguments=[IN_MEMORY_HISTORY])
    return manager


def _send_quietly(manager: LocalKernelManager, code: str) -> None:
    """Ask the kernel to run `code` silently, without waiting (it runs as soon as the kernel
    is up; the notebook's first request waits behind it). Silent: no execution count, no
    output; an import that fails fails again, visibly, in the notebook's own cell."""
    if not code:
        return
    client = manager.blocking_client()
    # a message to a kernel killed before it read it is dropped after a second: with zmq's
    # default (wait for ever), closing this client's context would hang the process
    client.context.setsockopt(zmq.LINGER, 1000)
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    client.execute(code, silent=True, store_history=False)
    manager.clients.append(client)


def notebook_imports(notebook: Path) -> str:
    """The notebook's top-level `import` statements, one a line, in order (cells that are
    not plain Python, such as magics, are skipped)."""
    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines += [
            ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
        ]
    return "\n".join(lines)


async def _shut_down(manager: LocalKernelManager) -> None:
    """Ask the kernel to shut down (killed when it does not stop), as nbclient does."""
    try:
        if await ensure_async(manager.is_alive()):
            await ensure_async(manager.shutdown_kernel(now=False))
    except RuntimeError as exc:
        if "No kernel is running!" not in str(exc):
            raise
    finally:
        await ensure_async(manager.cleanup_resources())


def stop_kernel(manager: LocalKernelManager) -> None:
    """Shut the kernel down, close its clients' sockets and remove its connection file and
    socket files. A SIGTERM during the shutdown (which takes up to seconds) leaves the event
    loop without finishing it: the files and sockets are then removed here all the same (the
    SIGTERM handler has killed the kernel)."""
    try:
        run_sync(_shut_down)(manager)
    finally:
        manager.cleanup_connection_file()
        manager.cleanup_ipc_files()
        for client in manager.clients:
            client.stop_channels()
        manager.clients.clear()
        _KERNEL_MANAGERS.discard(manager)


def stop_spare() -> None:
    """Stop this process's spare kernel, if any (a batch's end, a worker's exit)."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        stop_kernel(spare.manager)


atexit.register(stop_spare)
