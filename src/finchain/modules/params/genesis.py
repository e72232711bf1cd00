"""Genesis of the params module: the `params` section, checked and written at height 0."""

from __future__ import annotations

from typing import Any

from finchain.model.params import ChainParams, validate_chain_params
from finchain.modules.module import GenesisContext
from finchain.modules.params.keeper import ChainParamsKeeper, ChainParamsView
from finchain.state import StateReader, StateWriter


def init_params_genesis(state: StateWriter, section: Any, _: GenesisContext) -> None:
    params = ChainParams.from_json(section)
    validate_chain_params(params)
    ChainParamsKeeper(state).set(params)


def export_params_genesis(state: StateReader) -> dict[str, object]:
    return ChainParamsView(state).get().to_json()
