"""uvicorn's worker supervisor, telling Prometheus which workers died.

In multiprocess mode each worker writes its metrics to files named after its pid; the files of
a dead worker keep its counters (they still count) but its live gauges must go. After uvicorn
replaces a dead or restarted worker, its pid is passed to ``mark_process_dead``.
"""

from __future__ import annotations

from prometheus_client import multiprocess
from uvicorn.supervisors.multiprocess import Multiprocess


class Supervisor(Multiprocess):
    def _pids(self) -> set[int]:
        return {p.pid for p in self.processes if p.pid is not None}

    def _mark_gone(self, before: set[int]) -> None:
        for pid in before - self._pids():
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]

    def keep_subprocess_alive(self) -> None:
        before = self._pids()
        super().keep_subprocess_alive()
        self._mark_gone(before)

    def restart_all(self) -> None:
        before = self._pids()
        super().restart_all()
        self._mark_gone(before)
