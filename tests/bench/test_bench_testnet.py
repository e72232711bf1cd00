"""The open-loop testnet benchmark reports what the chain really committed.

A small run (4 validators, 100 tx/s for 3 s) starts its own network and stops every process it
started; the network is then restarted from its data and every number of the report is checked
against the chain through the REST API: each counted success has an `ok` receipt, each block of
the run holds exactly the transactions counted as committed, and the counts add up. A second
run attaches to the restarted network and leaves it running (the fixture stops it).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import typer

from finchain.bench.testnet import TestnetBenchSettings, run_testnet_benchmark
from finchain.cli.bench_cmd import parse_rates
from finchain.node import testnet
from finchain.node.testnet_config import (
    LOWEST_BASE_PORT,
    PORTS_PER_NODE,
    ephemeral_port_start,
    find_free_base_port,
)

VALIDATORS = 4
RATE = 100
DURATION_S = 3.0


@pytest.mark.e2e
@pytest.mark.timeout(90)
def test_testnet_round_counts_only_what_the_chain_committed(bench_testnet_dir: Path) -> None:
    settings = TestnetBenchSettings(
        validators=VALIDATORS,
        rates=(RATE,),
        duration_s=DURATION_S,
        users=40,
        commit_deadline_s=20.0,
        directory=bench_testnet_dir,
    )
    run = run_testnet_benchmark(settings)

    # The run started the network and ended every process it started.
    assert run.network["attached"] is False
    assert testnet.read_run_records(bench_testnet_dir.resolve()) == []
    [result], [outcome] = run.results, run.outcomes

    # The counts add up, and at this rate every transfer succeeds.
    assert result.submitted == RATE * DURATION_S
    assert result.succeeded + result.failed == result.submitted
    assert (len(outcome.succeeded), len(outcome.rejected), len(outcome.timed_out)) == (
        result.succeeded,
        result.rejected,
        result.timed_out,
    )
    assert len(outcome.committed_failed) == result.committed_failed
    assert result.succeeded == result.submitted, result.settings
    assert result.latency_min_s is not None and result.latency_p95_s is not None
    assert 0 < result.latency_min_s <= result.latency_p50_s <= result.latency_p95_s
    assert result.latency_p95_s <= result.latency_p99_s <= result.latency_max_s < 20.0
    assert 0.5 * RATE < result.throughput_tps < 1.5 * RATE
    assert 0.5 * RATE < (result.send_tps or 0) < 1.5 * RATE
    roles = sorted(p["role"] for p in result.processes)
    assert roles == ["app"] * VALIDATORS + ["client"] + ["cometbft"] * VALIDATORS + ["machine"]

    # Restart the stopped network from its data and check the report against the chain.
    layout = testnet.up(bench_testnet_dir, VALIDATORS)
    counted = set(outcome.succeeded) | set(outcome.committed_failed)
    with httpx.Client(timeout=10) as client:
        heights = set()
        for index, tx_hash in enumerate(outcome.succeeded):
            node = layout.nodes[index % VALIDATORS]
            reply = client.get(f"{node.api_url}/v1/txs/{tx_hash}")
            assert reply.status_code == 200, f"{tx_hash} counted as a success but not committed"
            assert reply.json()["receipt"]["code"] == "ok"
            heights.add(reply.json()["height"])
        in_blocks: list[str] = []
        for height in range(min(heights), max(heights) + 1):
            block = client.get(f"{layout.nodes[0].api_url}/v1/blocks/{height}").json()
            in_blocks += [t for t in block["tx_hashes"] if t in counted]
    assert sorted(in_blocks) == sorted(counted)  # each counted transaction committed once

    # A second run attaches to the running network (nonces read from it) and leaves it running.
    again = run_testnet_benchmark(
        TestnetBenchSettings(rates=(RATE,), duration_s=1.0, directory=bench_testnet_dir)
    )
    assert again.network["attached"] is True
    assert again.results[0].succeeded == again.results[0].submitted == RATE
    assert all(s.app_running and s.cometbft_running for s in testnet.status(bench_testnet_dir))


def test_rates_are_positive_integers() -> None:
    assert parse_rates("500,1000, 2000") == (500, 1000, 2000)
    for text in ("", "0,10", "fast"):
        with pytest.raises(typer.BadParameter):
            parse_rates(text)


def test_free_base_port_leaves_room_for_every_node() -> None:
    """Below the kernel's ephemeral ports, so a node's outgoing connection can never take a
    port another node is about to listen on (a CI flake before)."""
    for _ in range(20):
        base = find_free_base_port(VALIDATORS)
        assert base >= LOWEST_BASE_PORT
        assert base + PORTS_PER_NODE * VALIDATORS <= ephemeral_port_start()
