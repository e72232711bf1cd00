"""`client.governance` against a real node: a member admitted by vote, refusals with their stable
codes, `wait_for_close` on a node that makes empty blocks and on one that does not, the async
client, and the governance message builders.

The dev consortium: pboc (admin, central bank), bank-a, bank-b, bank-c, regulator; weight 1 each,
votes last 10 blocks, majority (two thirds for RemoveOrg, SetPower, SetParams). The solo engine
makes one block per committed transaction here, so `make_blocks` moves votes to their close.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finchain.errors import InvalidTransaction
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.node import Node
from finchain.sdk import (
    AsyncClient,
    Client,
    FinchainApiError,
    ProposalWaitTimeout,
    Wallet,
    find_proposal_id,
    make_add_org,
    make_grant_role,
    make_propose,
    make_remove_org,
    make_revoke_role,
    make_set_governance_params,
    make_set_threshold,
    make_set_validator_power,
    make_set_weight,
    make_transfer,
    make_vote,
)
from tests.sdk.nodes import RunningNode, write_home

CNY = "CNY"
EMPTY_BLOCK_INTERVAL_S = 0.05


@pytest.fixture
def ticking_node(tmp_path: Path, suite_name: str) -> Iterator[RunningNode]:
    """A node that also makes an empty block every EMPTY_BLOCK_INTERVAL_S."""
    home = tmp_path / "home"
    wallets = write_home(home, suite_name)
    config = NodeConfig(api_port=0, solo_empty_block_interval_s=EMPTY_BLOCK_INTERVAL_S)
    save_node_config(home, config)
    node = Node.open(home)
    node.start_background()
    try:
        yield RunningNode(home, node, suite_name, wallets)
    finally:
        node.stop()


def make_blocks(client: Client, wallet: Wallet, until_height: int) -> None:
    """Commit transactions (one block each on the solo engine) until `until_height`."""
    while client.status().height < until_height:
        client.bank.issue(wallet, wallet.address, CNY, 1)


def test_a_new_member_is_admitted_by_vote_and_its_key_signs(running_node: RunningNode) -> None:
    node = running_node
    pboc, bank_a = node.wallets["pboc"], node.wallets["bank-a"]
    bank_d = Wallet.generate(node.suite_name, name="bank-d")
    with Client(node.url) as client:
        action = make_add_org("bank-d", "Bank D", ["bank"], bank_d.address)
        proposed = client.governance.propose(pboc, action, "admit Bank D")
        assert (proposed.proposal_id, proposed.threshold) == (0, "majority")
        assert proposed.tx.ok and find_proposal_id(proposed.tx.receipt) == 0
        assert client.governance.proposal(0)["status"] == "DRAFT"

        opened = client.governance.open_voting(pboc, proposed.proposal_id)
        assert opened.receipt is not None
        event = opened.receipt.find_event("governance.voting_opened")
        assert event is not None
        end = int(event.attributes["voting_end_height"])
        assert end == opened.receipt.height + client.governance.params()["voting_period_blocks"]
        for name in ("pboc", "bank-a", "bank-b"):
            assert client.governance.vote(node.wallets[name], proposed.proposal_id, "yes").ok
        [voting] = client.governance.proposals()
        assert voting["status"] == "VOTING"
        assert voting["votes"] == {"bank-a": "yes", "bank-b": "yes", "pboc": "yes"}
        # Not a member yet: the node refuses its transactions.
        with pytest.raises(FinchainApiError) as refused:
            client.sign_and_submit(bank_d, make_transfer(bank_a.address, CNY, 1))
        assert refused.value.code == "tx/not_a_member"

        make_blocks(client, pboc, end)
        closed = client.governance.wait_for_close(proposed.proposal_id, timeout=5)
        assert closed["status"] == "EXECUTED"
        assert closed["tally"] == {"yes": 3, "no": 0, "abstain": 0, "total": 5}
        assert client.governance.proposal(0, height=end - 1)["status"] == "VOTING"

        member = client.get_member("bank-d")
        assert (member.roles, member.accounts) == (("bank",), (bank_d.address_hex,))
        assert "bank-d" in {m.id for m in client.get_members()}
        client.bank.issue(pboc, bank_d.address, CNY, 500)
        assert client.bank.transfer(bank_d, bank_a.address, CNY, 200).ok
        assert client.get_balances(bank_d.address) == {CNY: 300}


def test_invalid_proposal_by_a_non_admin_is_refused_by_its_role(running_node: RunningNode) -> None:
    bank_a = running_node.wallets["bank-a"]
    with Client(running_node.url) as client:
        with pytest.raises(FinchainApiError) as refused:
            client.governance.propose(bank_a, make_grant_role("bank-a", "admin"), "make me admin")
        assert (refused.value.status, refused.value.code) == (400, "tx/role_not_permitted")
        assert client.governance.proposals() == []
        # The refused nonce is reused: bank-a's next transaction goes through.
        other = Wallet.generate(running_node.suite_name)
        assert client.members.add_account(bank_a, other.address).ok


def test_invalid_vote_on_a_draft_is_an_illegal_transition(running_node: RunningNode) -> None:
    pboc, bank_a = running_node.wallets["pboc"], running_node.wallets["bank-a"]
    with Client(running_node.url) as client:
        proposed = client.governance.propose(pboc, make_remove_org("bank-c"), "remove bank-c")
        assert proposed.threshold == "two_thirds"
        with pytest.raises(FinchainApiError) as refused:
            client.governance.vote(bank_a, proposed.proposal_id, "yes")
        assert refused.value.code == "governance/illegal_transition"
        with pytest.raises(FinchainApiError) as not_admin:
            client.governance.open_voting(bank_a, proposed.proposal_id)
        assert not_admin.value.code == "tx/role_not_permitted"
        with pytest.raises(FinchainApiError) as missing:
            client.governance.proposal(7)
        assert (missing.value.status, missing.value.code) == (404, "api/not_found")
        assert client.governance.proposal(proposed.proposal_id)["votes"] == {}


def test_wait_for_close_follows_empty_blocks(ticking_node: RunningNode) -> None:
    pboc = ticking_node.wallets["pboc"]
    with Client(ticking_node.url) as client:
        proposed = client.governance.propose(pboc, make_set_weight("regulator", 0), "observer")
        client.governance.open_voting(pboc, proposed.proposal_id)
        closed = client.governance.wait_for_close(proposed.proposal_id, timeout=5)
        assert closed["status"] == "EXPIRED"  # nobody voted
        assert client.status().height >= closed["voting_end_height"]


def test_wait_for_close_times_out_without_blocks(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    with Client(running_node.url) as client:
        proposed = client.governance.propose(pboc, make_set_weight("regulator", 0), "observer")
        with pytest.raises(ProposalWaitTimeout, match="DRAFT"):
            client.governance.wait_for_close(proposed.proposal_id, timeout=0.2)
        opened = client.governance.open_voting(pboc, proposed.proposal_id)
        with pytest.raises(ProposalWaitTimeout) as waited:
            client.governance.wait_for_close(proposed.proposal_id, timeout=0.3)
        error = waited.value
        assert (error.code, error.status, error.proposal_id) == ("sdk/timeout", "VOTING", 0)
        assert error.height == opened.height
        assert error.voting_end_height == client.governance.proposal(0)["voting_end_height"]
        assert "solo_empty_block_interval_s" in error.message


def test_async_governance_calls(running_node: RunningNode) -> None:
    pboc, bank_a = running_node.wallets["pboc"], running_node.wallets["bank-a"]

    async def scenario() -> None:
        async with AsyncClient(running_node.url) as client:
            assert (await client.governance.params())["voting_period_blocks"] == 10
            action = make_set_threshold("members/GrantRole@1", "all")
            proposed = await client.governance.propose(pboc, action, "grants need everyone")
            await client.governance.open_voting(pboc, proposed.proposal_id)
            await client.governance.vote(bank_a, proposed.proposal_id, "no")
            [proposal] = await client.governance.proposals()
            assert proposal["action"] == {
                "type": "governance/SetThreshold@1",
                "value": {"action_type": "members/GrantRole@1", "threshold": "all"},
            }
            assert proposal["votes"] == {"bank-a": "no"}
            assert (await client.governance.proposal(0))["status"] == "VOTING"
            with pytest.raises(ProposalWaitTimeout):
                await client.governance.wait_for_close(0, timeout=0.2)

    asyncio.run(scenario())


# ---- builders (no node) ------------------------------------------------------------------------


def test_governed_action_builders_validate() -> None:
    address = Wallet.generate().address
    assert make_add_org("bank-d", "Bank D", ["bank", "payment_institution"], address).roles == (
        "bank,payment_institution"
    )
    assert make_revoke_role("bank-a", "bank").role == "bank"
    assert make_set_governance_params(5, "two_thirds", 1).voting_period_blocks == 5
    assert make_set_validator_power("07" * 32, 3).power == 3
    assert make_vote(0, "abstain").option == "abstain"
    proposal = make_propose(make_remove_org("bank-c"), "remove bank-c")
    assert proposal.title == "remove bank-c"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: make_propose(make_transfer("0x" + "11" * 20, CNY, 1), "x"), "not_governable"),
        (lambda: make_propose(make_remove_org("bank-c"), ""), "governance/bad_field"),
        (lambda: make_add_org("bank-d", "Bank D", ["king"], "0x" + "11" * 20), "bad_field"),
        (lambda: make_set_threshold("bank/Transfer@1", "all"), "governance/not_governable"),
        (lambda: make_set_governance_params(0, "majority", 1), "governance/bad_field"),
        (lambda: make_vote(0, "maybe"), "governance/bad_field"),
    ],
)
def test_invalid_builder_arguments_are_refused_before_signing(
    build: Callable[[], object], code: str
) -> None:
    with pytest.raises(InvalidTransaction) as refused:
        build()
    assert str(refused.value.code).endswith(code)


def test_invalid_builder_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match="roles"):
        make_add_org("bank-d", "Bank D", "bank", "0x" + "11" * 20)
    with pytest.raises(TypeError, match="message"):
        make_propose("members/AddOrg@1", "x")
    with pytest.raises(TypeError, match="weight"):
        make_set_weight("bank-a", True)
