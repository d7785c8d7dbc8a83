"""A small Prometheus registry: counters and gauges with labels, rendered as text.

Label values are product data (codes, widget names, outcomes) — never personal data or keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

Labels = tuple[tuple[str, str], ...]


class Metric:
    def __init__(self, name: str, help: str, kind: str) -> None:
        self.name = name
        self.help = help
        self.kind = kind
        self.values: dict[Labels, float] = defaultdict(float)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self.values[tuple(sorted(labels.items()))] += amount

    def set(self, value: float, **labels: str) -> None:
        self.values[tuple(sorted(labels.items()))] = value

    def get(self, **labels: str) -> float:
        return self.values.get(tuple(sorted(labels.items())), 0.0)


class Metrics:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}
        self._collectors: list[Callable[[], None]] = []
        self.requests = self.counter(
            "gateway_requests_total", "Widget API answers by widget and status."
        )
        self.errors = self.counter("gateway_errors_total", "Problem answers by code.")
        self.rate_limited = self.counter(
            "gateway_rate_limited_total", "Requests refused by limits."
        )
        self.degraded = self.gauge("gateway_degraded", "1 while a dependency is down (by part).")

    def counter(self, name: str, help: str) -> Metric:
        return self._metrics.setdefault(name, Metric(name, help, "counter"))

    def gauge(self, name: str, help: str) -> Metric:
        return self._metrics.setdefault(name, Metric(name, help, "gauge"))

    def on_collect(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` before each render, to refresh gauges read from elsewhere."""
        self._collectors.append(fn)

    def render(self) -> str:
        for fn in self._collectors:
            fn()
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            for labels, value in sorted(metric.values.items()):
                text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                lines.append(
                    f"{metric.name}{{{text}}} {value:g}" if text else f"{metric.name} {value:g}"
                )
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
