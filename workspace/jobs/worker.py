"""The worker loop: run due jobs, rest a second when there are none, stop when asked.

Production runs it as a process of its own (`flask jobs work`, as many as needed). In
development `flask serve` starts one inside the server process (JOBS_IN_PROCESS), on a thread
that gevent turns into a greenlet, so previews and mail happen without a second command.
"""

from __future__ import annotations

import threading

from flask import Flask

from workspace.jobs import queue

IDLE_PAUSE = 1.0  # seconds between looks at an empty queue
TROUBLE_PAUSE = 5.0  # seconds before trying again when the queue could not be reached


class Worker:
    """Runs jobs until `stop()`; a job already started is finished first."""

    def __init__(self, app: Flask, *, worker_id: str | None = None,
                 idle_pause: float = IDLE_PAUSE) -> None:
        self.app = app
        self.worker_id = worker_id or queue.default_worker_id()
        self.idle_pause = idle_pause
        self.jobs_run = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, *, burst: bool = False) -> int:
        """Work until stopped (or, with `burst`, until nothing is due); how many jobs ran."""
        with self.app.app_context():
            while not self._stopping.is_set():
                try:
                    ran = queue.run_pending(limit=1, worker_id=self.worker_id)
                except Exception:
                    if burst:  # a one-off run (cron, tests) should fail where people look
                        raise
                    # The database restarting, say: keep the worker and try again shortly.
                    self.app.logger.exception("the job worker could not reach the queue")
                    self._stopping.wait(TROUBLE_PAUSE)
                    continue
                if ran:
                    self.jobs_run += ran
                elif burst:
                    break
                else:
                    self._stopping.wait(self.idle_pause)
        return self.jobs_run

    def stop(self) -> None:
        """Ask the worker to stop once its current job (if any) is finished."""
        self._stopping.set()

    @property
    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> Worker:
        """Run on a background thread of this process (a greenlet where gevent patched it)."""
        self._thread = threading.Thread(target=self.run, name=f"jobs-{self.worker_id}",
                                        daemon=True)  # never keeps the server from exiting
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def start_in_process(app: Flask) -> Worker:
    """One worker inside the serving process, for development and the browser tests."""
    return Worker(app, worker_id=queue.default_worker_id("in-process")).start()
