# SPDX-License-Identifier: MIT
"""The executor (include/tier/executor.h) the binding lends a book or a pipeline.

libtier starts no threads of its own, and the library has no ready-made executor: the host lends
it one. This one runs each task the C side starts on a Python thread of its own. A task is C
code called through ctypes, which releases the GIL for the call, so the tasks run on several
cores at once; the C side runs one task on the calling thread and waits for the others.
"""

import threading
from typing import Any, Dict

from . import _ffi


class Threads:
    """A tier_executor of `threads` tasks at once (0: not said, the library then splits its work
    in two), each started task on a new thread. Keep the object alive while C holds its table
    (the ctypes callbacks live in it)."""

    def __init__(self, threads: int = 0) -> None:
        self._jobs: Dict[int, threading.Thread] = {}
        self._next = 1
        self._lock = threading.Lock()
        self.threads = threads
        self.started = 0  # tasks started on a thread of their own so far
        self.struct = _ffi.Executor(_ffi.EXECUTOR_VERSION, _ffi.executor_start_cb(self._start),
                                    _ffi.executor_wait_cb(self._wait), None, threads)

    def _start(self, ud: Any, task: Any, arg: Any, out: Any) -> int:
        try:
            thread = threading.Thread(target=task, args=(arg,), daemon=True)
            thread.start()
        except Exception:  # cannot start it: the C side runs the task itself
            return 1
        with self._lock:
            job, self._next = self._next, self._next + 1
            self._jobs[job] = thread
            self.started += 1
        out[0] = job
        return 0

    def _wait(self, ud: Any, job: int) -> None:
        with self._lock:
            thread = self._jobs.pop(job)
        thread.join()


def thread_count(threads: Any) -> int:
    """`threads` checked as a count of tasks at once: an int from 0 (0 and 1: the calling thread
    alone; the library uses at most 64); TypeError or ValueError otherwise."""
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError("threads must be an int, not %s" % type(threads).__name__)
    if threads < 0 or threads > 2 ** 32 - 1:
        raise ValueError("threads must be from 0 to 4294967295, not %d" % threads)
    return threads
