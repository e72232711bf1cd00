"""`finchain init`, `finchain keys`, `finchain dev` (with serving replaced), and error output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finchain.app import load_genesis
from finchain.cli.main import app
from finchain.node.config import load_node_config
from finchain.node.node import Node
from finchain.node.wiring import MODULES
from finchain.sdk import Client, Keyring, Wallet


def test_init_writes_a_complete_home(runner: CliRunner, tmp_path: Path, suite_name: str) -> None:
    home = tmp_path / "home"
    result = runner.invoke(
        app, ["init", "--home", str(home), "--suite", suite_name, "--chain-id", "demo-1"]
    )
    assert result.exit_code == 0, result.output
    genesis = load_genesis((home / "genesis.json").read_bytes(), MODULES)
    assert (genesis.chain_id, genesis.crypto_suite) == ("demo-1", suite_name)
    assert genesis.genesis_time_ms > 1_700_000_000_000
    keys = Keyring(home / "keys").list()
    assert [k.name for k in keys] == ["bank-a", "bank-b", "bank-c", "pboc", "regulator"]
    accounts = {m["id"]: m["accounts"][0] for m in genesis.section("members")}
    assert all(accounts[k.name] == k.address for k in keys)
    assert load_node_config(home).api_port == 8600
    wallet = Wallet.from_keystore("pboc", "test-password", keys_dir=home / "keys")
    assert wallet.suite_name == suite_name and wallet.address_hex in result.output


def test_invalid_init_over_existing_home(runner: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert runner.invoke(app, ["init", "--home", str(home), "--unsafe-plaintext"]).exit_code == 0
    before = Keyring(home / "keys").info("pboc").address
    again = runner.invoke(app, ["init", "--home", str(home)])
    assert again.exit_code == 1
    assert again.stderr.startswith("error: cli/home_exists: ")
    forced = runner.invoke(app, ["init", "--home", str(home), "--force"])
    assert forced.exit_code == 0, forced.output
    assert Keyring(home / "keys").info("pboc").address != before


def test_invalid_init_force_on_unrelated_directory(runner: CliRunner, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    result = runner.invoke(app, ["init", "--home", str(precious), "--force"])
    assert result.exit_code == 1 and "not a finchain home" in result.stderr
    assert (precious / "thesis.txt").exists()


def test_invalid_init_suite(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--home", str(tmp_path / "h"), "--suite", "rsa"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cli/bad_argument: unknown crypto suite 'rsa'")


def test_init_password_from_named_env_var(tmp_path: Path) -> None:
    runner = CliRunner(env={"FINCHAIN_PASSWORD": None, "MY_SECRET": "from-my-var"})
    home = tmp_path / "home"
    result = runner.invoke(app, ["init", "--home", str(home), "--password-env", "MY_SECRET"])
    assert result.exit_code == 0, result.output
    Keyring(home / "keys").load("bank-b", "from-my-var")


def test_init_prompts_for_a_password_when_none_is_set(tmp_path: Path) -> None:
    runner = CliRunner(env={"FINCHAIN_PASSWORD": None})
    home = tmp_path / "home"
    result = runner.invoke(app, ["init", "--home", str(home)], input="typed-pw\ntyped-pw\n")
    assert result.exit_code == 0, result.output
    Keyring(home / "keys").load("regulator", "typed-pw")


def test_keys_new_list_show(runner: CliRunner, tmp_path: Path, suite_name: str) -> None:
    home = tmp_path / "home"
    created = runner.invoke(
        app, ["keys", "new", "treasury", "--suite", suite_name, "--home", str(home), "--json"]
    )
    assert created.exit_code == 0, created.output
    [info] = json.loads(created.stdout)
    assert info["name"] == "treasury" and info["suite"] == suite_name

    listed = runner.invoke(app, ["keys", "list", "--home", str(home), "--json"])
    assert [k["address"] for k in json.loads(listed.stdout)] == [info["address"]]
    table = runner.invoke(app, ["keys", "list", "--home", str(home)])
    assert "treasury" in table.stdout and info["address"] in table.stdout

    shown = runner.invoke(app, ["keys", "show", "treasury", "--home", str(home)])
    assert shown.exit_code == 0
    assert info["address"] in shown.stdout and info["public_key"] in shown.stdout
    _, key = Keyring(home / "keys").load("treasury", "test-password")
    assert key.secret.hex() not in shown.stdout + created.stdout + listed.stdout

    duplicate = runner.invoke(app, ["keys", "new", "treasury", "--home", str(home)])
    assert duplicate.exit_code == 1
    assert duplicate.stderr.startswith("error: keystore/key_exists: ")
    missing = runner.invoke(app, ["keys", "show", "nobody", "--home", str(home)])
    assert missing.stderr.startswith("error: keystore/missing_key: ")


def test_dev_creates_home_and_serves(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`finchain dev` end to end, with the blocking serve replaced by a background round trip."""
    seen: dict[str, object] = {}

    def serve_briefly(node: Node) -> None:
        node.start_background()
        try:
            with Client(node.url) as client:
                seen["status"] = client.status()
        finally:
            node.stop()

    monkeypatch.setattr(Node, "serve", serve_briefly)
    home = tmp_path / "dev-home"
    env = {"FINCHAIN_PASSWORD": None}
    result = runner.invoke(
        app, ["dev", "--home", str(home), "--port", "0", "--suite", "gm"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "finchain-dev" in result.stdout  # the dev password is printed
    assert "curl http://127.0.0.1:0/v1/status" in result.stdout
    for info in Keyring(home / "keys").list():
        assert info.address in result.stdout
    Keyring(home / "keys").load("pboc", "finchain-dev")
    status = seen["status"]
    assert getattr(status, "crypto_suite", None) == "gm"

    again = runner.invoke(app, ["dev", "--home", str(home), "--port", "0"], env=env)
    assert again.exit_code == 0, again.output  # reuses the home
    reset = runner.invoke(app, ["dev", "--home", str(home), "--port", "0", "--reset"], env=env)
    assert reset.exit_code == 0, reset.output
    assert Keyring(home / "keys").info("pboc").suite == "intl"


def test_node_start_needs_an_initialised_home(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["node", "start", "--home", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and result.stderr.startswith("error: cli/no_home: ")


def test_every_command_has_help(runner: CliRunner) -> None:
    commands = [
        [],
        ["init"],
        ["dev"],
        ["status"],
        ["node", "start"],
        ["keys", "new"],
        ["keys", "list"],
        ["keys", "show"],
        ["tx", "bank", "transfer"],
        ["tx", "bank", "issue"],
        ["tx", "bank", "redeem"],
        ["tx", "members", "add-account"],
        ["query", "account"],
        ["query", "balances"],
        ["query", "tx"],
        ["query", "block"],
        ["query", "members"],
        ["query", "assets"],
        ["bench", "transfers"],
    ]
    for command in commands:
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage" in result.stdout
