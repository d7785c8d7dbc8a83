"""The HTTP server's bounds, against a real ``widget-gateway serve`` over raw sockets.

Each parser uvicorn offers (httptools, h11) must refuse an oversized head with ``431`` and a
problem+json body and close the connection, keep answering everyone else meanwhile, and not
grow its memory with what a flood sends; slow heads get ``408``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import free_port, wait_for_port

PARSERS = ("httptools", "h11")
MB = 1024 * 1024


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")


@pytest.fixture(scope="module", params=PARSERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("serve")
    yield from serve(request.param, GATEWAY_DATA_DIR=str(tmp_path), GATEWAY_HEADER_TIMEOUT="2")


@pytest.fixture(scope="module", params=PARSERS)
def busy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server whose concurrency bound is one: the connection asking is the one allowed."""
    tmp_path = tmp_path_factory.mktemp("busy")
    yield from serve(request.param, GATEWAY_DATA_DIR=str(tmp_path), GATEWAY_LIMIT_CONCURRENCY="1")


def serve(parser: str, **settings: str) -> Iterator[Served]:
    port = free_port()
    env = {**os.environ, **settings}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--http", parser],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=60)  # a start on a busy machine can take a while
        yield Served(process, port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """(status, headers, body, closed after the answer) of one answer on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before an answer: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    try:
        closed = sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        closed = True
    return status, headers, body[:length], closed


def get(served: Served, path: str = "/healthz") -> tuple[int, float]:
    started = time.monotonic()
    with served.connect() as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n".encode())
        status, _, _, _ = read_answer(sock)
    return status, time.monotonic() - started


def stream_header(served: Served, total: int, stop: threading.Event) -> None:
    """Send one request whose single header value is ``total`` bytes long, as fast as allowed."""
    chunk = b"a" * (256 * 1024)
    try:
        with served.connect() as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Flood: ")
            sent = 0
            while sent < total and not stop.is_set():
                sock.sendall(chunk)
                sent += len(chunk)
    except OSError:
        pass  # the server closed the connection: what it should do


def test_an_oversized_head_is_refused_with_431_and_the_connection_closed(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        status, headers, body, closed = read_answer(sock)
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["code"] == "headers_too_large"
    assert closed


def test_too_many_header_fields_are_refused_with_431(served: Served) -> None:
    fields = "".join(f"X-F{i}: v\r\n" for i in range(150))
    with served.connect() as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: gw\r\n{fields}\r\n".encode())
        status, _headers, body, closed = read_answer(sock)
    assert status == 431 and json.loads(body)["code"] == "headers_too_large"
    assert closed


def test_a_request_within_the_bounds_is_answered(served: Served) -> None:
    fields = "".join(f"X-F{i}: v\r\n" for i in range(80))
    with served.connect() as sock:
        sock.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: gw\r\n{fields}Connection: close\r\n\r\n".encode()
        )
        status, _, body, _ = read_answer(sock)
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_garbled_request_gets_a_problem_document(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost gw\r\n\r\n")
        status, headers, body, closed = read_answer(sock)
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["code"] == "malformed_request"
    assert closed


def test_past_the_concurrency_bound_the_answer_is_a_problem_document(busy: Served) -> None:
    with busy.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        status, headers, body, closed = read_answer(sock)
    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "1"
    assert json.loads(body)["code"] == "server_busy"
    assert closed


def test_a_head_sent_too_slowly_times_out_with_408(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n")  # and never the blank line
        status, _headers, body, closed = read_answer(sock)
    assert status == 408 and json.loads(body)["code"] == "request_timeout"
    assert closed


def test_header_floods_neither_stall_others_nor_hold_memory(served: Served) -> None:
    status, _ = get(served)
    assert status == 200
    before = served.rss_bytes()
    stop = threading.Event()
    floods = [
        threading.Thread(target=stream_header, args=(served, 50 * MB, stop)) for _ in range(4)
    ]
    for flood in floods:
        flood.start()
    try:
        status, took = get(served)
        assert status == 200
        assert took < 2.0, f"a plain request took {took:.1f}s during the floods"
    finally:
        for flood in floods:
            flood.join(timeout=30)
        stop.set()
    assert served.rss_bytes() - before < 30 * MB
