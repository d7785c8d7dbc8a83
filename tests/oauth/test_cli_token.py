"""``widget-gateway token``: the private key from standard input, a token that works, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from gateway.app import create_app
from tests.gwclient import settings_for, stored_key
from tests.support.servers import ServerThread


def _cli(args: list[str], stdin: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "gateway", "token", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_token_command_prints_a_working_token_and_never_the_secret(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    with ServerThread(create_app(settings)) as server:
        new = stored_key(settings)
        done = _cli(
            ["--key", new.key.public_key, "--scope", "rights:read", "--url", server.url],
            new.private_key + "\n",
            data_dir,
        )
        assert done.returncode == 0, done.stderr
        token = done.stdout.strip()
        assert new.private_key not in done.stdout + done.stderr
        me = httpx.get(server.url + "/api/v1/key", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["scopes"] == ["rights:read"]
        wrong = _cli(["--key", new.key.public_key, "--url", server.url], "sk_nope\n", data_dir)
        assert wrong.returncode == 2
        assert "[invalid_client]" in wrong.stderr
