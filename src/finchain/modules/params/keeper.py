"""Read view and keeper over `params/`."""

from __future__ import annotations

from finchain.model.params import ChainParams
from finchain.modules.params import keys
from finchain.state import StateReader, StateWriter

_decoded: dict[bytes, ChainParams] = {}  # decode is pure: remembered by the stored bytes


class ChainParamsView:
    def __init__(self, state: StateReader) -> None:
        self._state = state

    def get(self) -> ChainParams:
        """The stored parameters (the defaults before genesis wrote them)."""
        raw = self._state.get(keys.CHAIN_PARAMS_KEY)
        if raw is None:
            return ChainParams()
        params = _decoded.get(raw)
        if params is None:
            if len(_decoded) > 64:
                _decoded.clear()
            params = _decoded[raw] = ChainParams.decode(raw)
        return params


class ChainParamsKeeper(ChainParamsView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self._writer = state

    def set(self, params: ChainParams) -> None:
        self._writer.set(keys.CHAIN_PARAMS_KEY, params.encode())
