"""The ledger as contracts see it: the `finchain.vm.Host` over a transaction's state branch.

Storage slots live under the contract's address; events go to the transaction's event list as
`contract.<name>` with the emitting contract first; assets move through the bank keeper from the
contract's own account; nested calls run on the same meter with this contract as the caller,
refusing re-entry into a contract already on the stack. A read-only host (queries) refuses every
write, event and transfer.
"""

from __future__ import annotations

from typing import Any

from finchain.crypto import format_address, parse_address
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.events import emit_contract_event
from finchain.modules.contracts.expected import Membership, MoneyFactory
from finchain.modules.contracts.keeper import ContractsKeeper
from finchain.vm import CallContext, ContractFailure, Meter, execute
from finchain.vm.abi import CONSTRUCTOR
from finchain.vm.meter import CONTRACT_CALL, MAX_CONTRACT_CALL_DEPTH


class LedgerHost:
    """One transaction's (or query's) view of the ledger for the VM."""

    def __init__(
        self,
        ctx: ExecutionContext,
        members: Membership,
        money: MoneyFactory,
        *,
        read_only: bool = False,
    ) -> None:
        self.ctx = ctx
        self.members = members
        self.money = money
        self.read_only = read_only
        self.contracts = ContractsKeeper(ctx.state)
        self.stack: list[str] = []  # contracts being executed, outermost first
        self._addresses: dict[str, bytes] = {}  # parsed contract addresses

    def _contract(self, contract: str) -> bytes:
        address = self._addresses.get(contract)
        if address is None:
            address = self._addresses[contract] = parse_address(contract)
        return address

    # ---- storage -------------------------------------------------------------------------

    def storage_get(self, contract: str, key: bytes) -> bytes | None:
        return self.contracts.storage_get(self._contract(contract), key)

    def storage_set(self, contract: str, key: bytes, value: bytes) -> None:
        self._writable("write storage")
        self.contracts.storage_set(self._contract(contract), key, value)

    def storage_delete(self, contract: str, key: bytes) -> None:
        self._writable("delete storage")
        self.contracts.storage_delete(self._contract(contract), key)

    # ---- events and assets ---------------------------------------------------------------

    def emit(self, contract: str, name: str, attributes: list[tuple[str, str]]) -> None:
        self._writable("emit events")
        if any(key == "contract" for key, _ in attributes):
            raise ContractFailure("bad_value", "the event attribute 'contract' is reserved")
        emit_contract_event(self.ctx, contract, name, attributes)

    def transfer(self, contract: str, to: str, asset: str, amount: int) -> None:
        self._writable("move assets")
        if type(amount) is not int or amount <= 0 or type(asset) is not str:
            raise ContractFailure("bad_value", "transfer needs an asset symbol and amount > 0")
        recipient = _parse(to)
        if not (self.members.is_member_account(recipient) or self.contracts.is_contract(recipient)):
            raise ContractFailure("unknown_recipient", f"{to} is no member account or contract")
        self.money(self.ctx.state).send(parse_address(contract), recipient, asset, amount)
        self.ctx.touch(recipient)

    def balance(self, account: str, asset: str) -> int:
        if type(asset) is not str:
            raise ContractFailure("bad_value", "an asset is a symbol string")
        return self.money(self.ctx.state).get_balance(_parse(account), asset)

    # ---- calls ---------------------------------------------------------------------------

    def run(self, context: CallContext, function: str, args: list[Any], meter: Meter) -> Any:
        """Run exported `function` of `context.contract` with this host (the outermost call
        too); `init` is refused: it runs only through `construct`, at deploy."""
        if function == CONSTRUCTOR:
            raise ContractFailure("unknown_function", "init runs only at deploy")
        return self._execute(context, function, args, meter)

    def construct(self, context: CallContext, args: list[Any], meter: Meter) -> Any:
        """Run the constructor of the contract being deployed."""
        return self._execute(context, CONSTRUCTOR, args, meter)

    def _execute(self, context: CallContext, function: str, args: list[Any], meter: Meter) -> Any:
        if context.contract in self.stack:
            raise ContractFailure("reentrancy", f"{context.contract} is already executing")
        if len(self.stack) >= MAX_CONTRACT_CALL_DEPTH:
            raise ContractFailure("call_depth", f"more than {MAX_CONTRACT_CALL_DEPTH} nested calls")
        record = self.contracts.get(parse_address(context.contract))
        compiled = self.contracts.load_compiled(record)
        self.stack.append(context.contract)
        try:
            return execute(compiled, function, args, self, context, meter)
        finally:
            self.stack.pop()

    def call(
        self, context: CallContext, target: str, function: str, args: list[Any], meter: Meter
    ) -> Any:
        if type(function) is not str:
            raise ContractFailure("bad_args", "a function name is a string")
        meter.charge(CONTRACT_CALL)
        address = format_address(_parse(target))
        inner = CallContext(
            caller=context.contract,
            origin=context.origin,
            contract=address,
            height=context.height,
            time_ms=context.time_ms,
            tx_hash=context.tx_hash,
        )
        return self.run(inner, function, args, meter)

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ContractFailure("read_only", f"a query cannot {what}")


def _parse(address: Any) -> bytes:
    if type(address) is not str:
        raise ContractFailure("bad_value", "addresses are '0x...' strings")
    try:
        return parse_address(address)
    except ValueError as exc:
        raise ContractFailure("bad_value", str(exc)) from None
