"""Request bodies and documented response shapes of the REST API (they feed the OpenAPI document).

Requests are validated by these models (422 `api/invalid_request` when the shape is wrong).
Responses are rendered by hand for speed and exactness (optional fields are absent, not null);
the response models here document them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finchain.api.params import MAX_HEIGHT, MAX_U64

HEX_PATTERN = r"^(0x)?([0-9a-fA-F]{2})+$"
HexBytes = Annotated[str, StringConstraints(pattern=HEX_PATTERN)]
Mode = Literal["commit", "async"]


def decode_hex(text: str) -> bytes:
    """Bytes of a string that already matched HEX_PATTERN."""
    return bytes.fromhex(text[2:] if text[:2] == "0x" else text)


class SubmitTxRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tx: HexBytes = Field(description="the signed transaction envelope, hex")
    mode: Mode = Field("commit", description="commit: wait for the block; async: return at once")


class SubmitBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    txs: list[HexBytes] = Field(min_length=1, max_length=10_000)
    mode: Mode = "commit"


class ContractQueryRequest(BaseModel):
    """A read-only contract call (`POST /v1/contracts/{address}/query`)."""

    model_config = ConfigDict(extra="forbid")
    function: str = Field(min_length=1, max_length=64, description="an exported function")
    args: list[Any] = Field(
        default_factory=list,
        description="positional arguments as JSON; bytes parameters take hex text",
    )
    caller: str | None = Field(None, description="`ctx.caller` (0x address; default all zeros)")
    compute_limit: int | None = Field(
        None, ge=1, le=MAX_U64, description="at most the chain's max_compute (the default)"
    )
    height: int | None = Field(
        None, ge=0, le=MAX_HEIGHT, description="read at this height (default latest)"
    )


class ErrorBody(BaseModel):
    code: str = Field(examples=["bank/insufficient_funds"])
    message: str
    details: dict[str, Any]


class EventJson(BaseModel):
    type: str
    attributes: dict[str, str]


class ReceiptJson(BaseModel):
    tx_hash: str
    height: int
    index: int
    code: str = Field(description="`ok`, or the stable error code of a committed failure")
    log: str
    gas_used: int
    events: list[EventJson]


class SubmitTxResponse(BaseModel):
    hash: str
    status: Literal["committed", "pending"]
    receipt: ReceiptJson | None = Field(None, description="present when committed")


class BatchItemError(BaseModel):
    error: ErrorBody


class SubmitBatchResponse(BaseModel):
    results: list[SubmitTxResponse | BatchItemError]


class MsgJson(BaseModel):
    type: str = Field(examples=["bank/Transfer@1"])
    value: dict[str, Any]


class TxJson(BaseModel):
    chain_id: str
    sender: str
    nonce: int
    fee: str
    memo: str
    valid_until_height: int
    public_key: str
    signature: str
    msgs: list[MsgJson]


class StoredTxResponse(BaseModel):
    hash: str
    height: int
    index: int
    tx: TxJson | None = Field(description="null if the stored bytes do not decode")
    raw: str
    receipt: ReceiptJson


class BlockJson(BaseModel):
    chain_id: str
    height: int
    time_ms: int
    hash: str
    proposer: str
    num_txs: int
    tx_hashes: list[str]
    prev_app_hash: str
    app_hash: str
    events: list[EventJson] = Field(
        default_factory=list, description="the block's own end-of-block events (no transaction)"
    )
    receipts: list[ReceiptJson]


class StatusResponse(BaseModel):
    chain_id: str
    crypto_suite: str
    height: int
    app_hash: str
    block_time_ms: int
    mempool_size: int
    engine: str
    version: str
    catching_up: bool = Field(
        description=(
            "true while the node syncs blocks from its network (CometBFT's "
            "sync_info.catching_up), or when its CometBFT RPC does not answer; always false on "
            "a solo node"
        )
    )
    lag_blocks: int | None = Field(
        description=(
            "the network's highest committed height seen (this node's CometBFT and its peers) "
            "minus this node's committed height; 0 on a solo node; null when the network's "
            "height is not available (CometBFT's RPC does not answer)"
        )
    )


class AccountResponse(BaseModel):
    address: str
    nonce: int
    pending_nonce: int
    org: str | None
    balances: dict[str, str]


class AccountTxsResponse(BaseModel):
    tx_hashes: list[str]


class MemberJson(BaseModel):
    id: str
    name: str
    roles: list[str]
    accounts: list[str]


class ValidatorJson(BaseModel):
    pub_key: str  # Ed25519 consensus key, hex
    power: int


class AssetJson(BaseModel):
    symbol: str
    decimals: int
    issuer: str
    name: str
    supply: str


class ContractQueryResponse(BaseModel):
    result: Any = Field(description="the function's return value (bytes as hex)")
    compute_used: int
    height: int


class ContractEventJson(BaseModel):
    height: int
    index: int = Field(description="the transaction's index in its block")
    tx_hash: str
    type: str = Field(examples=["contract.Transfer"])
    attributes: dict[str, str] = Field(description="`contract` (the emitter) first")


class ContractEventsResponse(BaseModel):
    contract: str
    from_height: int
    to_height: int
    events: list[ContractEventJson]


class ErrorCodeJson(BaseModel):
    code: str
    codespace: str
    number: int
    description: str
