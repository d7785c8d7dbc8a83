"""A private PostgreSQL for tests and benches: ``initdb`` and ``pg_ctl`` into a temp folder.

The server listens on a free loopback port and on a unix socket inside the same folder, with
trust authentication, and is removed on :meth:`PostgresServer.close`. PostgreSQL refuses to run
as root: when we are root, the folder is given to the ``postgres`` system user (created if
missing) and the server programs run as that user through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.processes import free_port, wait_for_port

SERVICE_USER = "postgres"


def postgres_bin() -> Path:
    """The folder of ``initdb``/``pg_ctl``: on PATH, or Debian's versioned folder (newest)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0,
    )
    if not found:
        raise RuntimeError("PostgreSQL's server programs are missing; scripts/test installs them")
    return Path(found[-1]).parent


class PostgresServer:
    """One PostgreSQL cluster of our own; ``url(name)`` makes and names a database in it."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wg-pg-"))
        self.data = self.dir / "data"
        self.socket_dir = self.dir / "socket"
        self.user = "gateway"
        self._as_root = os.geteuid() == 0
        self._databases = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self._as_root:
            _ensure_service_user()
            shutil.chown(self.dir, SERVICE_USER)
            shutil.chown(self.socket_dir, SERVICE_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.socket_dir} "
            "-c fsync=on -c max_connections=100 -c shared_buffers=128MB"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "start",
        )
        wait_for_port(self.port)

    def admin_url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database; its ``postgresql://`` URL."""
        self._databases += 1
        name = name or f"test_{self._databases}"
        self._run(
            "createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.user, name
        )
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
        )
