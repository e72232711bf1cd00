"""The README's smart-contract walkthrough, executed as written (`tests/cli/readme_runner.py`):
the token deployed at the first contract address pays bank-b, and the escrow (the second
address) releases the attached price to bank-b on bank-c's confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

from finchain.crypto import format_address
from finchain.modules.contracts.keeper import contract_address
from finchain.sdk import Client, FinchainApiError, Wallet
from finchain.sdk.messages import make_call
from tests.cli.readme_runner import get_node_url, read_section, run_section

SECTION = "Smart contracts walkthrough: a token and an escrow in Python"
PASSWORD = "contracts-password"
ROOT = Path(__file__).resolve().parents[2]
TOKEN, ESCROW = (format_address(contract_address(i)) for i in (0, 1))


def test_the_addresses_in_the_readme_are_the_first_two() -> None:
    text = read_section(SECTION)
    assert text.count(TOKEN) >= 4 and text.count(ESCROW) >= 4


def test_readme_contracts_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the README runs from the repo root
    with run_section(SECTION, tmp_path, monkeypatch) as run:
        home = run.home
        assert home is not None
        query = next(o for c, o in run.outputs.items() if " balance_of " in c)
        assert query.strip() == "2500"
        events = next(o for c, o in run.outputs.items() if "contract events" in c)
        assert "Minted" in events and "Transfer" in events
        status = next(o for c, o in run.outputs.items() if c.endswith("status --home contracts"))
        assert "RELEASED" in status
        with Client(get_node_url(home)) as client:
            bank_b = Wallet.from_keystore("bank-b", PASSWORD, keys_dir=home / "keys")
            assert client.get_balances(bank_b.address_hex)["CNY"] == 500_000
            assert client.get_balances(ESCROW).get("CNY", 0) == 0
            # the refusal the README describes: bank-b cannot confirm (nor re-release)
            with pytest.raises(FinchainApiError) as refused:
                client.sign_and_submit(bank_b, make_call(ESCROW, "confirm", [], 100_000))
            assert refused.value.code == "contracts/reverted"
