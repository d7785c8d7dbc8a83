"""The hot paths' counts reach Prometheus in bulk, and read exactly as counted one by one."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from gateway.web.metrics import DURATION_BUCKETS, Metrics
from gateway.web.tally import Tally
from tests.support.aio import LOOPS, LoopKind, run
from tests.support.receiver import wait_until


def pair(name: str) -> tuple[CollectorRegistry, Histogram, Counter]:
    registry = CollectorRegistry()
    histogram = Histogram(f"{name}_seconds", "h", ["route"], buckets=DURATION_BUCKETS,
                          registry=registry)  # fmt: skip
    counter = Counter(f"{name}_total", "c", ["code"], registry=registry)
    return registry, histogram, counter


def amounts() -> list[float]:
    rng = random.Random(7)
    # Every bound exactly (an amount equal to a bound is in that bound's bucket), beyond the
    # last, zero, negative, and many in between.
    return [*DURATION_BUCKETS, 0.0, -0.5, 99.0, *(rng.uniform(0, 6) for _ in range(500))]


def test_counted_in_bulk_reads_as_counted_one_by_one() -> None:
    one_by_one, h1, c1 = pair("x")
    in_bulk, h2, c2 = pair("x")
    tally = Tally()
    for n, amount in enumerate(amounts()):
        route = "a" if n % 3 else "b"
        h1.labels(route).observe(amount)
        c1.labels(route).inc()
        tally.observe(h2.labels(route), amount)
        tally.inc(c2.labels(route))
    assert exposed(in_bulk) != exposed(one_by_one)  # not yet added
    tally.flush()
    assert exposed(in_bulk) == exposed(one_by_one)
    assert "x_seconds_bucket" in exposed(in_bulk)


def exposed(registry: CollectorRegistry) -> str:
    """The text a scrape reads, without the series' creation times (they differ by a hair)."""
    lines = generate_latest(registry).decode().splitlines()
    return "\n".join(line for line in lines if "_created" not in line)


@pytest.mark.parametrize("loop", LOOPS)
def test_a_scrape_shows_every_answer_counted_before_it(loop: LoopKind) -> None:
    async def answer_and_scrape() -> str:
        metrics = Metrics("1")  # made, as the app makes it, on the loop that counts
        for _ in range(3):
            metrics.answered("consent", 200)
            metrics.request_done("consent", 200, 0.004)
        metrics.error("origin_not_allowed")
        return metrics.render().decode()

    text = run(answer_and_scrape(), loop)
    assert 'gateway_requests_total{status="200",widget="consent"} 3.0' in text
    assert 'gateway_request_duration_seconds_count{route="consent",status_class="2xx"} 3.0' in text
    assert (
        'gateway_request_duration_seconds_bucket{le="0.005",route="consent",status_class="2xx"} 3.0'
        in text
    )
    assert 'gateway_errors_total{code="origin_not_allowed"} 1.0' in text


@pytest.mark.parametrize("loop", LOOPS)
def test_flushing_every_interval_adds_counts_without_a_scrape(loop: LoopKind) -> None:
    _, histogram, counter = pair("y")

    async def count_then_wait() -> tuple[float, float]:
        tally = Tally()
        flusher = asyncio.create_task(tally.flush_every(0.05))
        tally.inc(counter.labels("a"), 2)
        tally.observe(histogram.labels("r"), 0.003)
        before = counter.labels("a")._value.get()
        await wait_until(lambda: counter.labels("a")._value.get() > 0, timeout=2)
        flusher.cancel()
        return before, counter.labels("a")._value.get()

    before, after = run(count_then_wait(), loop)
    assert (before, after) == (0.0, 2.0)
    assert histogram.labels("r")._sum.get() == 0.003


def test_counts_from_another_thread_go_straight_to_the_series() -> None:
    _, histogram, counter = pair("z")
    tally = Tally()
    tally.inc(counter.labels("mine"))

    def elsewhere() -> None:
        tally.inc(counter.labels("t"))
        tally.observe(histogram.labels("t"), 0.5)
        tally.flush()  # not this thread's to do: the owner's count stays for the owner

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert counter.labels("t")._value.get() == 1.0
    assert histogram.labels("t")._sum.get() == 0.5
    assert counter.labels("mine")._value.get() == 0.0
    tally.flush()
    assert counter.labels("mine")._value.get() == 1.0
