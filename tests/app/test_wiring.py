"""The module record and the one wiring list (issue 13).

- A module defined only in this file (`notary`: members notarise document digests) joins the
  platform's wiring list with no change to `finchain.app`: its messages route, its genesis
  section loads, its invariant runs, its queries answer, its end-of-block hook runs in its
  declared order, its permissions appear, and the chain replays from genesis to the same hashes.
- Every store prefix belongs to exactly one module, and every key a busy chain writes falls
  under one of them.
- A wiring that could not work is refused at start-up with `WiringError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from finchain.app import Application
from finchain.app.modules import ModuleSet, WiringError
from finchain.app.permissions import render_permission_rows
from finchain.crypto import format_address
from finchain.errors import InvalidTransaction, NotFound, register_error
from finchain.model.message import ANY_MEMBER, message_type
from finchain.modules.bank import Transfer
from finchain.modules.context import ExecutionContext
from finchain.modules.module import (
    AnteStep,
    BlockHook,
    GenesisContext,
    GenesisPart,
    Handler,
    Interfaces,
    Module,
    QueryContext,
)
from finchain.node.wiring import MODULES
from finchain.state import StateReader, StateWriter
from finchain.store import Database
from tests.app.support import assert_rejected, assert_replay_reproduces
from tests.helpers import Chain, make_chain

# ---- the example module, defined only here -------------------------------------------------

NOTARY_PREFIX = b"notary/"
BLOCKS_KEY = b"notary/blocks"
ERR_NOTARISED = register_error("notary", 1, "already_notarised", "the digest is notarised")
ERR_BAD_DIGEST = register_error("notary", 2, "bad_digest", "a digest is 32 bytes")


class Membership(Protocol):  # the notary's expected.py
    def find_org_of(self, address: bytes) -> str | None: ...

    def org_exists(self, org_id: str) -> bool: ...


@message_type("notary/Notarize@1", roles=ANY_MEMBER)
@dataclass(frozen=True, slots=True)
class Notarize:
    """Record that the sender's organisation holds a document with this SHA-256 digest."""

    digest: bytes

    def validate_basic(self) -> None:
        if len(self.digest) != 32:
            raise InvalidTransaction(ERR_BAD_DIGEST, "the digest must be 32 bytes")


def record_key(digest: bytes) -> bytes:
    return NOTARY_PREFIX + b"rec/" + digest


def make_notary_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    membership: Callable[[StateReader], Membership] = interfaces.get("members.membership")

    def handle_notarize(ctx: ExecutionContext, msg: Notarize) -> None:
        # VALIDATE
        if ctx.state.get(record_key(msg.digest)) is not None:
            raise InvalidTransaction(ERR_NOTARISED, "this digest is already notarised")
        # AUTHORIZE (the ante checked ANY_MEMBER): the record names the sender's organisation
        org = membership(ctx.state).find_org_of(ctx.sender)
        assert org is not None
        # APPLY
        ctx.state.set(record_key(msg.digest), org.encode())
        # EMIT
        ctx.emit("notary.notarised", digest=msg.digest.hex(), org=org)

    return {Notarize: handle_notarize}


def init_notary_genesis(state: StateWriter, section: Any, env: GenesisContext) -> None:
    members: Membership = env.interfaces.get("members.membership")(state)
    for entry in section.get("records", []):
        if not members.org_exists(entry["org"]):
            raise InvalidTransaction(ERR_BAD_DIGEST, f"no member {entry['org']!r}")
        state.set(record_key(bytes.fromhex(entry["digest"])), entry["org"].encode())


def check_records_name_members(state: StateReader) -> list[str]:
    from finchain.modules.members import MembersView  # the test plays the wiring's role

    members = MembersView(state)
    return [
        f"notary record {key.hex()} names {raw.decode()!r}, not a member"
        for key, raw in state.iterate(NOTARY_PREFIX + b"rec/")
        if not members.org_exists(raw.decode())
    ]


def query_record(q: QueryContext, params: dict[str, Any]) -> dict[str, str]:
    digest = str(params.get("digest", ""))
    raw = q.state.get(record_key(bytes.fromhex(digest)))
    if raw is None:
        raise NotFound(f"no record of {digest}")
    return {"digest": digest, "org": raw.decode()}


def count_blocks(ctx: ExecutionContext, _: Interfaces) -> None:
    raw = ctx.state.get(BLOCKS_KEY)
    ctx.state.set(BLOCKS_KEY, str(int(raw or b"0") + 1).encode())


NOTARY = Module(
    name="notary",
    prefixes=(NOTARY_PREFIX,),
    messages=(Notarize,),
    handlers=make_notary_handlers,
    needs={"members.membership": Membership},
    queries={
        "notary/record": query_record,
        "notary/blocks": lambda q, _: int(q.state.get(BLOCKS_KEY) or b"0"),
    },
    genesis=GenesisPart("notary", init_notary_genesis),
    invariants=(check_records_name_members,),
    end_block=(BlockHook("notary", 30, count_blocks),),
)
WIRED = (*MODULES, NOTARY)
GENESIS_DIGEST = "11" * 32


@pytest.fixture
def notary_chain(tmp_path: Path) -> Chain:
    sections = {"notary": {"records": [{"digest": GENESIS_DIGEST, "org": "pboc"}]}}
    chain = make_chain(tmp_path / "chain", modules=WIRED, sections=sections)
    yield chain
    chain.close()


def test_a_module_defined_outside_app_routes_loads_and_answers(notary_chain: Chain) -> None:
    chain, digest = notary_chain, bytes(range(32))
    # genesis loaded its section
    record = chain.app.query("notary/record", {"digest": GENESIS_DIGEST}, height=0).value
    assert record == {"digest": GENESIS_DIGEST, "org": "pboc"}
    # its message routes, and its event is emitted
    [receipt] = chain.execute(chain.sign("bank-a", Notarize(digest)))
    assert receipt.ok, receipt.log
    assert [e.type for e in receipt.events] == ["notary.notarised"]
    assert chain.app.query("notary/record", {"digest": digest.hex()}).value["org"] == "bank-a"
    # its end-of-block hook ran once per block
    assert chain.app.query("notary/blocks", {}).value == chain.app.height
    # its handler's refusal keeps its stable code and changes nothing but the nonce
    assert_rejected(chain, chain.sign("bank-b", Notarize(digest)), "notary/already_notarised", None)
    # its invariant runs with the others
    assert chain.app.check_invariants() == []
    assert check_records_name_members in chain.app.modules.invariants


def test_the_example_module_replays_from_genesis(notary_chain: Chain, tmp_path: Path) -> None:
    chain = notary_chain
    chain.execute(chain.sign("bank-a", Notarize(bytes(32))))
    chain.execute(chain.sign("bank-b", Notarize(bytes([1]) * 32)))
    assert_replay_reproduces(chain.db, tmp_path / "replica", modules=WIRED)


def test_the_example_module_invariant_catches_a_broken_state(notary_chain: Chain) -> None:
    chain = notary_chain
    broken = {**dict(chain.db.iterate(b"")), record_key(bytes(32)): b"nobody"}

    class View:
        def get(self, key: bytes) -> bytes | None:
            return broken.get(key)

        def iterate(self, prefix: bytes) -> Any:
            return iter(sorted((k, v) for k, v in broken.items() if k.startswith(prefix)))

    [violation] = chain.app.check_invariants(View())
    assert "nobody" in violation


def test_the_example_module_permissions_appear() -> None:
    rows = render_permission_rows(WIRED)
    assert "| `notary/Notarize@1` | any member | Record that the sender's organisation" in rows
    assert "notary/Notarize@1" not in render_permission_rows(MODULES)


def test_a_genesis_section_of_an_unwired_module_is_refused(tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    try:
        app = Application(db, MODULES)
        with pytest.raises(InvalidTransaction) as caught:
            app.parse_genesis({"chain_id": "c1", "notary": {}})
        assert str(caught.value.code) == "genesis/invalid"
        assert "notary" in caught.value.message
    finally:
        db.close()


# ---- store prefixes -----------------------------------------------------------------------


def test_every_store_prefix_has_exactly_one_owner() -> None:
    owners = ModuleSet(MODULES).prefix_owners()
    assert owners == {
        b"params/": "params",
        b"auth/": "auth",
        b"members/": "members",
        b"bank/": "bank",
        b"validators/": "validators",
        b"clearing/": "clearing",
        b"governance/": "governance",
        b"supervision/": "supervision",
        b"contracts/": "contracts",
    }


def test_every_key_a_chain_writes_has_an_owner(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "chain", extra_accounts=2)
    try:
        chain.execute(chain.sign("user0", Transfer(chain.address("user1"), "CNY", 5)))
        modules = chain.app.modules
        keys = [key for key, _ in chain.db.iterate(b"")]
        assert keys
        unowned = [key for key in keys if modules.owner_of_key(key) is None]
        assert unowned == []
        assert {modules.owner_of_key(k) for k in keys} >= {"params", "auth", "members", "bank"}
    finally:
        chain.close()


# ---- wiring errors ------------------------------------------------------------------------


def _replace(module: Module, **changes: Any) -> Module:
    return dataclasses.replace(module, **changes)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (_replace(NOTARY, name="bank"), "module name 'bank'"),
        (_replace(NOTARY, prefixes=(b"bank/asset/x/",)), "lies under b'bank/'"),
        (_replace(NOTARY, prefixes=(b"notary",)), "must end with '/'"),
        (_replace(NOTARY, queries={"balances": query_record}), "query path 'balances'"),
        (_replace(NOTARY, needs={"nobody.offers": Membership}), "no module offers"),
        (_replace(NOTARY, end_block=(BlockHook("x", 10, count_blocks),)), "hook order 10"),
        (_replace(NOTARY, ante=(AnteStep("x", 30, lambda ctx: None),)), "ante step order 30"),
        (_replace(NOTARY, genesis=GenesisPart("bank", init_notary_genesis)), "section 'bank'"),
        (_replace(NOTARY, provides={"bank.transfers": object}), "interface 'bank.transfers'"),
    ],
)
def test_invalid_wiring_is_refused_at_start(extra: Module, message: str) -> None:
    with pytest.raises(WiringError, match=message.replace("(", r"\(").replace("'", ".")):
        ModuleSet((*MODULES, extra))


def test_invalid_wiring_provider_lacking_a_declared_method() -> None:
    class Lacking:
        def __init__(self, state: StateReader) -> None:
            self.state = state

        def find_org_of(self, address: bytes) -> str | None:
            return None

    provider = _replace(NOTARY, name="provider", prefixes=(b"prov/",), messages=(), genesis=None)
    provider = _replace(
        provider,
        handlers=lambda _: {},
        provides={"prov.membership": Lacking},
        queries={},
        end_block=(),
        invariants=(),
    )
    user = _replace(NOTARY, needs={"prov.membership": Membership})
    with pytest.raises(WiringError, match="lacks \\['org_exists'\\]"):
        ModuleSet((*MODULES, provider, user))


def test_invalid_wiring_handlers_must_match_messages() -> None:
    wrong = _replace(NOTARY, messages=())
    with pytest.raises(WiringError, match="handlers do not match its messages"):
        Application(Database.__new__(Database), (*MODULES, wrong))


def test_the_platform_wiring_declares_its_interfaces() -> None:
    modules = ModuleSet(MODULES)
    assert modules.interfaces(lambda ctx, msg: None).names() == [
        "app.dispatch",
        "auth.fee_collector",
        "auth.nonces",
        "bank.balances",
        "bank.transfers",
        "clearing.suspension",
        "members.membership",
        "params.chain",
        "supervision.holds",
    ]
    assert [step.name for step in modules.ante_steps] == [
        "membership_and_roles",
        "frozen",
        "nonce",
        "fee",
    ]
    assert [hook.name for hook in modules.end_block_hooks] == ["governance", "clearing"]


def test_bank_offers_other_modules_no_mint_or_burn() -> None:
    """Least privilege: the transfer interface moves money between accounts and nothing else."""
    transfers = ModuleSet(MODULES).provided["bank.transfers"]
    public = {name for name in dir(transfers) if not name.startswith("_")}
    assert public == {"get_balance", "send"}


def test_genesis_export_rebuilds_each_section(tmp_path: Path) -> None:
    """A module's export, fed back as its section, writes the same state (init ∘ export = id)."""
    chain = make_chain(tmp_path / "chain", extra_accounts=2, clearing={"auto_process": False})
    try:
        chain.execute(chain.sign("user0", Transfer(chain.address("user1"), "CNY", 7)))
        exported = {
            part.section: part.export(chain.db)
            for part in chain.app.modules.genesis_parts
            if part.export is not None
        }
        assert set(exported) == {
            "params",
            "members",
            "bank",
            "validators",
            "clearing",
            "contracts",
        }
        balances = {e["address"]: e["amount"] for e in exported["bank"]["balances"]}  # type: ignore[index]
        assert balances[format_address(chain.address("user1"))] == str(1_000_000 + 7)
        genesis = chain.app.genesis
        for name, section in exported.items():
            if name != "params":
                genesis = genesis.with_section(name, section)
        db = Database(tmp_path / "exported")
        try:
            app = Application(db, MODULES)
            app.init_chain(genesis)
            for part in app.modules.genesis_parts:
                if part.export is not None:
                    assert part.export(db) == exported[part.section], part.section
        finally:
            db.close()
    finally:
        chain.close()
