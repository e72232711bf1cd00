"""Events of the validators module: names and attributes in one place."""

from __future__ import annotations

from finchain.modules.context import ExecutionContext

POWER_CHANGED = "validators.power_changed"


def emit_power_changed(ctx: ExecutionContext, pub_key: bytes, old_power: int, power: int) -> None:
    ctx.emit(POWER_CHANGED, pub_key=pub_key.hex(), old_power=str(old_power), power=str(power))
