"""The command line, run as a user runs it: a real process against the configured store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gateway.keys.model import PRIVATE_PREFIX, PUBLIC_PREFIX, is_well_formed


def cli(
    data_dir: Path, *args: str, redis_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATA_DIR"] = str(data_dir)
    if redis_url:
        env["GATEWAY_REDIS_URL"] = redis_url
        env["GATEWAY_SECRET_KEY"] = "k" * 40
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def create_with_cli(
    data_dir: Path,
    account: str,
    name: str,
    origin: str,
    *,
    redis_url: str | None = None,
    json_output: bool = True,
) -> subprocess.CompletedProcess[str]:
    """``widget-gateway keys create`` for one origin, with ``--json`` unless told otherwise."""
    args = ["keys", "create", "--account", account, "--name", name, "--origin", origin]
    return cli(data_dir, *args, *(["--json"] if json_output else []), redis_url=redis_url)


def test_keys_create_list_show_revoke_on_the_file_store(data_dir: Path) -> None:
    made = cli(
        data_dir,
        "keys",
        "create",
        "--account",
        "acct-1",
        "--name",
        "Shop",
        "--origin",
        "https://Shop.Example:443",
        "--origin",
        "https://*.shop.example",
        "--redirect-uri",
        "https://shop.example/cb",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert is_well_formed(created["public_key"], PUBLIC_PREFIX)
    assert is_well_formed(created["private_key"], PRIVATE_PREFIX)
    assert created["origins"] == ["https://shop.example", "https://*.shop.example"]
    assert created["private_key"] not in (data_dir / "keys.json").read_text()

    listed = json.loads(cli(data_dir, "keys", "list", "--json").stdout)
    assert [k["public_key"] for k in listed] == [created["public_key"]]
    assert created["private_key"] not in json.dumps(listed)

    shown = cli(data_dir, "keys", "show", created["public_key"])
    assert "active" in shown.stdout and created["private_key"] not in shown.stdout

    revoked = json.loads(cli(data_dir, "keys", "revoke", created["public_key"], "--json").stdout)
    assert revoked["status"] == "revoked"


def test_human_output_shows_the_private_key_once_with_a_warning(data_dir: Path) -> None:
    made = create_with_cli(data_dir, "a", "n", "https://shop.example", json_output=False)
    assert made.returncode == 0
    assert "private key: sk_" in made.stdout
    assert "only this once" in made.stderr


def test_clear_errors(data_dir: Path) -> None:
    bad_origin = create_with_cli(data_dir, "a", "n", "https://shop.example/path", json_output=False)
    assert bad_origin.returncode == 2 and "invalid origin" in bad_origin.stderr
    assert "Traceback" not in bad_origin.stderr
    assert cli(data_dir, "keys", "show", "pk_nope").returncode == 2
    unknown = cli(data_dir, "keys", "show", "pk_" + "a" * 38)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    env_error = subprocess.run(
        [sys.executable, "-m", "gateway", "keys", "list"],
        env={**os.environ, "GATEWAY_LIMIT_PER_IP": "lots"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert env_error.returncode == 2 and "GATEWAY_LIMIT_PER_IP" in env_error.stderr


def test_keys_on_redis(redis_url: str, data_dir: Path) -> None:
    made = create_with_cli(data_dir, "a", "n", "https://shop.example", redis_url=redis_url)
    assert made.returncode == 0, made.stderr
    pk = json.loads(made.stdout)["public_key"]
    listed = json.loads(cli(data_dir, "keys", "list", "--json", redis_url=redis_url).stdout)
    assert [k["public_key"] for k in listed] == [pk]
    assert not (data_dir / "keys.json").exists()


def test_a_command_loads_only_what_it_runs_and_the_help_lists_every_command(
    data_dir: Path,
) -> None:
    # `keys list` needs neither the records database nor accounts: a command starts sooner
    # when it does not import every other command's modules.
    probe = (
        "import sys\n"
        "from gateway.cli.main import main\n"
        "code = main(['keys', 'list'])\n"
        "loaded = [m for m in sys.modules if m.startswith(('sqlalchemy', 'gateway.accounts'))]\n"
        "print(code, sorted(loaded))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATA_DIR"] = str(data_dir)
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "0 []"
    helped = cli(data_dir, "--help")
    assert helped.returncode == 0
    for command in ("serve", "keys", "accounts", "outbox", "db", "records", "token", "scan"):
        assert command in helped.stdout
    assert "widgets" in helped.stdout and "demo" in helped.stdout
    wrong = cli(data_dir, "nosuch")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
