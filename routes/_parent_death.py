"""Forked search workers end with the process that started them.

A parallel solve runs its searches in forked worker processes (:mod:`routes.solver`). When
the parent is killed (``SIGKILL`` from a benchmark harness, ``SIGTERM`` from a service
manager) nobody would collect those workers, and each would keep a core busy until its own
time limit ran out, or for ever when it blocks on the parent's task queue. On Linux the
kernel sends a signal to a process whose parent dies when asked with
``prctl(PR_SET_PDEATHSIG)``; :func:`die_with_parent` asks for ``SIGKILL`` in the worker and
then checks that the parent is not already gone (the request only covers deaths after it).
Elsewhere it does nothing (``fork`` workers are only used where ``fork`` exists; on macOS
the pool's own clean-up still covers a normal exit).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

__all__ = ["PR_SET_PDEATHSIG", "die_with_parent"]

#: ``prctl`` option from ``<linux/prctl.h>``.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> bool:
    """Have this (forked) process killed when its parent ``parent_pid`` dies.

    Call it first thing in a worker, with the parent's pid read before forking.

    Parameters
    ----------
    parent_pid : int
        Pid of the process that forked this one.

    Returns
    -------
    bool
        True when the kernel will send ``SIGKILL`` on the parent's death (Linux).
    """
    if not sys.platform.startswith("linux"):
        return False
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died before the request: go now
        os._exit(1)
    return True
