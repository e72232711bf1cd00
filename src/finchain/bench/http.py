"""HTTP transfer benchmark: a real node process, clients submitting over the REST API.

The benchmark writes a home with a genesis that funds `accounts` accounts, starts
`finchain node start --home ...` as a separate process on 127.0.0.1, pre-signs every transfer,
then runs one of two closed-loop client modes:
- `single`: `clients` concurrent connections, each POSTing one transaction in `commit` mode and
  waiting for its receipt before sending the next (latency = request round trip to commit);
- `batch`: `clients` concurrent connections POSTing `batch_size` transactions per request in
  `commit` mode (latency of each transaction = its batch's round trip).
The node process is stopped (SIGTERM) at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from finchain.app import ChainParams
from finchain.bench.inprocess import (
    BENCH_CHAIN_ID,
    INITIAL_BALANCE,
    TransferWorkload,
    sign_transfers,
)
from finchain.bench.report import RoundResult, percentile
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import make_dev_genesis

NODE_START_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class HttpSettings:
    mode: str = "batch"  # "single" | "batch"
    clients: int = 16
    batch_size: int = 500


def run_http_transfers(workload: TransferWorkload, settings: HttpSettings) -> RoundResult:
    orgs, addresses, txs = sign_transfers(workload)
    genesis = make_dev_genesis(
        BENCH_CHAIN_ID,
        workload.suite,
        orgs,
        {a: INITIAL_BALANCE for a in addresses},
        genesis_time_ms=time.time_ns() // 1_000_000,
        params=ChainParams(max_block_txs=workload.block_txs),
    )
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "genesis.json").write_text(json.dumps(genesis.to_json(), indent=2))
        port = find_free_port()
        save_node_config(
            home,
            NodeConfig(api_host="127.0.0.1", api_port=port, solo_max_block_txs=workload.block_txs),
        )
        node = subprocess.Popen(
            [sys.executable, "-m", "finchain.cli.main", "node", "start", "--home", str(home)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url, node)
            return asyncio.run(_drive(url, txs, workload, settings))
        finally:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                node.kill()


async def _drive(
    url: str, txs: list[bytes], workload: TransferWorkload, settings: HttpSettings
) -> RoundResult:
    unit = 1 if settings.mode == "single" else settings.batch_size
    # Each sender's transactions must reach the node in nonce order, so every sender belongs to
    # exactly one client (sender index modulo clients) and each client sends sequentially.
    per_client: list[list[bytes]] = [[] for _ in range(settings.clients)]
    for i, raw in enumerate(txs):
        per_client[(i % workload.accounts) % settings.clients].append(raw)
    latencies: list[float] = []
    outcome = {"ok": 0, "failed": 0}
    limits = httpx.Limits(max_connections=settings.clients)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as client:

        async def worker(own: list[bytes]) -> None:
            for offset in range(0, len(own), unit):
                request = own[offset : offset + unit]
                sent = time.perf_counter()
                if settings.mode == "single":
                    response = await client.post("/v1/txs", json={"tx": request[0].hex()})
                    results = [response.json()] if response.status_code == 200 else [{}]
                else:
                    body = {"txs": [raw.hex() for raw in request], "mode": "commit"}
                    response = await client.post("/v1/txs/batch", json=body)
                    results = (
                        response.json().get("results", []) if response.status_code == 200 else []
                    )
                elapsed = time.perf_counter() - sent
                for result in results:
                    receipt = result.get("receipt") or {}
                    outcome["ok" if receipt.get("code") == "ok" else "failed"] += 1
                outcome["failed"] += len(request) - len(results)
                latencies.extend([elapsed] * len(request))

        started = time.perf_counter()
        await asyncio.gather(*(worker(own) for own in per_client))
        duration = time.perf_counter() - started
    latencies.sort()
    return RoundResult(
        name=f"transfer/http-{settings.mode}",
        target="node+http",
        suite=workload.suite,
        submitted=len(txs),
        succeeded=outcome["ok"],
        failed=outcome["failed"],
        duration_s=duration,
        throughput_tps=outcome["ok"] / duration if duration else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        settings={
            "accounts": workload.accounts,
            "block_txs": workload.block_txs,
            "clients": settings.clients,
            "batch_size": settings.batch_size if settings.mode == "batch" else 1,
            "engine": "solo (separate node process, REST API on 127.0.0.1)",
        },
    )


def wait_until_ready(url: str, node: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + NODE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if node.poll() is not None:
            stderr = node.stderr.read().decode() if node.stderr else ""
            raise RuntimeError(f"node exited with {node.returncode}: {stderr[-2000:]}")
        try:
            if httpx.get(url + "/v1/status", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"node did not answer on {url} within {NODE_START_TIMEOUT_S} s")


def find_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
