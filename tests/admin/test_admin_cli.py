"""``widget-gateway keys update|roll|audit`` run as a user runs them (file store and Redis)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from gateway.keys.model import PRIVATE_PREFIX, is_well_formed
from tests.cli.test_cli import cli, create_with_cli


def test_update_roll_revoke_and_audit_from_the_command_line(data_dir: Path) -> None:
    made = json.loads(create_with_cli(data_dir, "acct-1", "Shop", "https://shop.example").stdout)
    pk, sk = made["public_key"], made["private_key"]

    updated = cli(
        data_dir,
        "keys",
        "update",
        pk,
        "--name",
        "Shop EU",
        "--origin",
        "https://eu.shop.example",
        "--widget",
        "consent",
        "--limit",
        "per_key=100/minute",
        "--json",
    )
    assert updated.returncode == 0, updated.stderr
    view = json.loads(updated.stdout)
    assert view["name"] == "Shop EU" and view["origins"] == ["https://eu.shop.example"]
    assert view["widgets"] == ["consent"] and view["limits"] == {"per_key": "100/minute"}

    rolled = json.loads(cli(data_dir, "keys", "roll", pk, "--grace-seconds", "60", "--json").stdout)
    assert is_well_formed(rolled["private_key"], PRIVATE_PREFIX) and rolled["private_key"] != sk
    assert len(rolled["private_keys"]) == 2
    assert rolled["private_keys"][1]["expires_at"] == rolled["previous_private_key_expires_at"]

    assert json.loads(cli(data_dir, "keys", "revoke", pk, "--json").stdout)["status"] == "revoked"
    events = json.loads(cli(data_dir, "keys", "audit", pk, "--json").stdout)
    assert [e["action"] for e in events] == ["created", "updated", "rolled", "revoked"]
    assert {e["actor"] for e in events} == {f"cli:{getpass.getuser()}"}
    assert events[1]["changes"]["name"] == {"from": "Shop", "to": "Shop EU"}
    trail = (data_dir / "audit.jsonl").read_text()
    assert sk not in trail and rolled["private_key"] not in trail

    human = cli(data_dir, "keys", "audit", pk)
    assert "rolled" in human.stdout and "grace_seconds" in human.stdout


def test_validation_problems_are_listed_with_their_codes(data_dir: Path) -> None:
    bad = cli(
        data_dir,
        "keys",
        "create",
        "--account",
        "a",
        "--name",
        "n",
        "--origin",
        "https://shop.example/path",
        "--redirect-uri",
        "http://shop.example/cb",
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "[invalid_origin_rule]" in bad.stderr and "[invalid_redirect_uri]" in bad.stderr
    made = json.loads(
        cli(data_dir, "keys", "create", "--account", "a", "--name", "n", "--json").stdout
    )
    nothing = cli(data_dir, "keys", "update", made["public_key"])
    assert nothing.returncode == 2 and "[missing_field]" in nothing.stderr
    revoked = cli(data_dir, "keys", "revoke", made["public_key"])
    assert revoked.returncode == 0
    again = cli(data_dir, "keys", "roll", made["public_key"])
    assert again.returncode == 2 and "[key_already_revoked]" in again.stderr


def test_cli_audit_on_redis_is_the_shared_stream(data_dir: Path, redis_url: str) -> None:
    made = json.loads(
        create_with_cli(data_dir, "a", "n", "https://shop.example", redis_url=redis_url).stdout
    )
    cli(data_dir, "keys", "update", made["public_key"], "--clear-origins", redis_url=redis_url)
    events = json.loads(
        cli(data_dir, "keys", "audit", made["public_key"], "--json", redis_url=redis_url).stdout
    )
    assert [e["action"] for e in events] == ["created", "updated"]
    assert events[1]["changes"]["origins"]["to"] == []
    assert not (data_dir / "audit.jsonl").exists()
