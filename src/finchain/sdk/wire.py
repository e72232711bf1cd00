"""The v1 HTTP contract (docs/api.md) without I/O: paths, request bodies, response decoding.

Both clients call these functions around their own transport (httpx.Client or AsyncClient), so
the rules (hex without `0x`, amounts as strings, the error body shape) live in one place.

Must never: open a connection, sleep, or read the clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from finchain.crypto import format_address, parse_address
from finchain.model import SignedTransaction
from finchain.sdk.errors import FinchainApiError, TransactionFailed
from finchain.sdk.results import STATUS_COMMITTED, STATUS_REJECTED, TxResult

TxInput: TypeAlias = "SignedTransaction | bytes | str"
SubmitMode: TypeAlias = Literal["commit", "async"]
AddressInput: TypeAlias = "str | bytes"
BlockRef: TypeAlias = "int | Literal['latest']"

DEFAULT_URL = "http://127.0.0.1:8600"
MAX_BATCH = 10_000
SUBMIT_MODES = ("commit", "async")


def normalise_url(url: str) -> str:
    """`127.0.0.1:8600` or `http://host:port/` -> `http://host:port`."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url


def compute_ws_url(url: str, topics: Sequence[str]) -> str:
    """The WebSocket URL of `/v1/ws` on the node at `url` (http -> ws, https -> wss)."""
    base = normalise_url(url)
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return f"{base}/v1/ws?topics={','.join(topics)}"


def encode_tx_hex(tx: TxInput) -> str:
    """A signed transaction, raw bytes or hex text -> lowercase hex without `0x`."""
    if isinstance(tx, SignedTransaction):
        return tx.raw.hex()
    if isinstance(tx, bytes | bytearray):
        return bytes(tx).hex()
    if isinstance(tx, str):
        text = tx[2:] if tx[:2].lower() == "0x" else tx
        try:
            return bytes.fromhex(text).hex()
        except ValueError:
            raise ValueError("a transaction given as text must be hex") from None
    raise TypeError(f"cannot submit a {type(tx).__name__}; give SignedTransaction, bytes or hex")


def format_hash(tx_hash: str | bytes) -> str:
    """A transaction hash as the API writes it: lowercase hex without `0x`."""
    if isinstance(tx_hash, bytes | bytearray):
        return bytes(tx_hash).hex()
    text = tx_hash.strip().lower()
    return text[2:] if text.startswith("0x") else text


def coerce_address(address: AddressInput) -> str:
    """`0x…` text or 20 raw bytes -> the API form `0x` + 40 lowercase hex digits."""
    if isinstance(address, bytes | bytearray):
        return format_address(parse_address(bytes(address).hex()))
    return format_address(parse_address(address))


def validate_mode(mode: str) -> None:
    if mode not in SUBMIT_MODES:
        raise ValueError(f"mode must be one of {SUBMIT_MODES}, got {mode!r}")


def build_submit_body(tx: TxInput, mode: str) -> dict[str, Any]:
    validate_mode(mode)
    return {"tx": encode_tx_hex(tx), "mode": mode}


def build_batch_body(txs: Sequence[TxInput], mode: str) -> dict[str, Any]:
    validate_mode(mode)
    if not 1 <= len(txs) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1..{MAX_BATCH} transactions, got {len(txs)}")
    return {"txs": [encode_tx_hex(t) for t in txs], "mode": mode}


def compute_block_path(height: BlockRef) -> str:
    if height == "latest":
        return "/v1/blocks/latest"
    if isinstance(height, bool) or not isinstance(height, int) or height < 0:
        raise ValueError(f"height must be a non-negative int or 'latest', got {height!r}")
    return f"/v1/blocks/{height}"


def compute_height_params(height: int | None) -> dict[str, int]:
    return {} if height is None else {"height": int(height)}


def decode_error(status: int, body: bytes) -> FinchainApiError:
    """Turn an error response into FinchainApiError, even when the body is not the JSON shape."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, Mapping) and "code" in data:
        details = data.get("details")
        return FinchainApiError(
            status,
            str(data["code"]),
            str(data.get("message", "")),
            dict(details) if isinstance(details, Mapping) else {},
        )
    if isinstance(data, Mapping) and "detail" in data:  # a framework-level error body
        return FinchainApiError(status, f"http/{status}", str(data["detail"]))
    text = body.decode("utf-8", "replace").strip()[:200]
    return FinchainApiError(status, f"http/{status}", text or f"HTTP {status}")


def decode_batch_results(data: Mapping[str, Any], hashes: Sequence[str | None]) -> list[TxResult]:
    """Each batch item as a TxResult; rejected items carry the error and the locally known hash."""
    items = data.get("results", [])
    results: list[TxResult] = []
    for position, item in enumerate(items):
        if "error" in item:
            error = item["error"] or {}
            details = error.get("details")
            api_error = FinchainApiError(
                400,
                str(error.get("code", "api/unknown")),
                str(error.get("message", "")),
                dict(details) if isinstance(details, Mapping) else {},
            )
            known = hashes[position] if position < len(hashes) else None
            tx_hash = str(item.get("hash") or known or "")
            results.append(TxResult(tx_hash, STATUS_REJECTED, None, api_error))
        else:
            results.append(TxResult.from_json(item))
    return results


def raise_if_failed(result: TxResult) -> TxResult:
    """Return `result`, or raise TransactionFailed if it committed with a non-`ok` receipt."""
    if result.status == STATUS_COMMITTED and result.receipt is not None and not result.receipt.ok:
        raise TransactionFailed(result.hash, result.receipt)
    return result
