"""`finchain bench run` on every target, the clearing and contract workloads, comparison mode
and the top-level `finchain bench --preset`.

Each suite is tiny (1-2 s of load per round). Every counted success is looked up by hash on the
chain before it stops (`ChainUnderTest.driver.find_receipt_codes`: `GET /v1/txs/{hash}` for
HTTP targets, the node's database in process) and must have an `ok` receipt; the counts must
add up. The testnet test starts 4 CometBFT validators and is marked slow and e2e.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from finchain.bench.compare import compare_results, vary_suite
from finchain.bench.drivers import HttpDriver, InprocessDriver
from finchain.bench.report import RoundResult
from finchain.bench.rounds import (
    PRESETS,
    RoundConfigError,
    get_preset,
    override_suite,
    parse_suite_config,
)
from finchain.bench.suite import SuiteRun, run_suite
from finchain.bench.targets import ChainUnderTest
from finchain.cli.main import app as finchain_app
from finchain.model import decode_signed_tx

CLEARING_ROUNDS = [
    {
        "name": "pay-fixed",
        "workload": "clearing",
        "rate_control": "fixed-rate",
        "tps": 40,
        "duration_s": 1.5,
        "accounts": 6,
    },
    {
        "name": "pay-max",
        "workload": "clearing",
        "rate_control": "max-rate",
        "clients": 3,
        "duration_s": 1,
        "accounts": 6,
        "max_txs": 300,
    },
]
CONTRACT_ROUNDS = [
    {
        "name": "token-fixed",
        "workload": "contract",
        "rate_control": "fixed-rate",
        "tps": 40,
        "duration_s": 1,
        "accounts": 5,
    },
    {
        "name": "token-max",
        "workload": "contract",
        "rate_control": "max-rate",
        "clients": 2,
        "duration_s": 1,
        "accounts": 4,
        "max_txs": 200,
    },
]
TRANSFER_ROUNDS = [
    {
        "name": "fixed-40",
        "workload": "transfer",
        "rate_control": "fixed-rate",
        "tps": 40,
        "duration_s": 1.5,
        "accounts": 8,
    },
    {
        "name": "max-2",
        "workload": "transfer",
        "rate_control": "max-rate",
        "clients": 2,
        "duration_s": 1,
        "accounts": 8,
        "max_txs": 300,
    },
    {
        "name": "reads",
        "workload": "query",
        "rate_control": "linear-ramp",
        "start_tps": 20,
        "end_tps": 60,
        "duration_s": 1,
        "accounts": 4,
    },
]


def run_checked(document: dict[str, object]) -> tuple[SuiteRun, ChainUnderTest, dict[str, str]]:
    """Run the suite; before the chain stops, look every counted success up by hash."""
    config = parse_suite_config(document)
    seen: dict[str, str] = {}
    chains: list[ChainUnderTest] = []

    def inspect_chain(chain: ChainUnderTest, run: SuiteRun) -> None:
        chains.append(chain)
        counted = [h for o in run.outcomes if o is not None for h in o.succeeded]
        for tx_hash, code in chain.driver.find_receipt_codes(counted).items():
            assert code is not None, f"{tx_hash} counted as a success but not committed"
            seen[tx_hash] = code

    run = run_suite(config, inspect_chain=inspect_chain)
    return run, chains[0], seen


def assert_counts_add_up(run: SuiteRun, seen: dict[str, str]) -> None:
    counted = {h for o in run.outcomes if o is not None for h in o.succeeded}
    assert set(seen) == counted and set(seen.values()) <= {"ok"}
    for result, outcome in zip(run.results, run.outcomes, strict=True):
        assert result.succeeded + result.failed == result.submitted
        assert result.succeeded > 0, result.settings
        if outcome is None:
            continue
        assert len(outcome.succeeded) == result.succeeded
        assert len(outcome.rejected) == result.rejected
        assert len(outcome.timed_out) == result.timed_out
        assert len(outcome.committed_failed) == result.committed_failed


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["http", "inprocess"])
def test_clearing_payments_count_only_what_the_chain_committed(target: str) -> None:
    run, chain, seen = run_checked({"target": target, "rounds": CLEARING_ROUNDS})

    assert_counts_add_up(run, seen)
    fixed, closed = run.results
    assert fixed.submitted == 60 and fixed.succeeded == 60, fixed.settings
    assert closed.failed == 0, closed.settings
    assert {fixed.settings["workload"], closed.settings["workload"]} == {"clearing"}
    expected = HttpDriver if target == "http" else InprocessDriver
    assert isinstance(chain.driver, expected)
    assert run.environment["target"] == target


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["http", "inprocess"])
def test_contract_calls_count_only_ok_receipts(target: str) -> None:
    # Two contract rounds: two tokens deployed in the set-up, each round calling its own.
    run, _, seen = run_checked({"target": target, "rounds": CONTRACT_ROUNDS})

    assert_counts_add_up(run, seen)
    fixed, closed = run.results
    assert fixed.submitted == fixed.succeeded == 40, fixed.settings
    assert closed.failed == 0, closed.settings
    assert {fixed.settings["workload"], closed.settings["workload"]} == {"contract"}


@pytest.mark.timeout(60)
def test_inprocess_target_runs_every_rate_control_without_http() -> None:
    run, chain, seen = run_checked(
        {"target": "inprocess", "block_txs": 200, "rounds": TRANSFER_ROUNDS}
    )

    assert isinstance(chain.driver, InprocessDriver)
    assert_counts_add_up(run, seen)
    fixed, _, reads = run.results
    assert fixed.succeeded == fixed.submitted == 60
    assert reads.succeeded == reads.submitted == 40
    # The node is this process: its CPU and memory are the benchmark's.
    assert [p["pid"] for p in fixed.processes if p["role"] == "app"] == [os.getpid()]
    env = run.environment
    assert (env["target"], env["nodes"], env["block"]["max_block_txs"]) == ("inprocess", 1, 200)
    assert "no HTTP" in env["engine"]


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.timeout(180)
def test_testnet_target_submits_to_every_node(bench_testnet_dir: Path) -> None:
    # bench_testnet_dir skips without bin/cometbft; run_suite uses a directory of its own.
    rounds = [*TRANSFER_ROUNDS[:1], *CLEARING_ROUNDS, CONTRACT_ROUNDS[0], TRANSFER_ROUNDS[2]]
    run, chain, seen = run_checked({"target": "testnet", "validators": 4, "rounds": rounds})

    assert isinstance(chain.driver, HttpDriver)
    urls = chain.driver.api_urls
    assert len(urls) == 4 and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert_counts_add_up(run, seen)
    assert run.results[0].succeeded == 60
    assert run.environment["nodes"] == 4 and "CometBFT" in run.environment["engine"]
    roles = sorted(p["role"] for p in run.results[0].processes)
    assert roles == ["app"] * 4 + ["client"] + ["cometbft"] * 4 + ["machine"]
    # Every process the run started is gone.
    for watched in chain.watched:
        if watched.role in ("app", "cometbft"):
            assert not _is_running(watched.pid), watched


@pytest.mark.timeout(90)
def test_compare_runs_both_configurations_and_writes_ratios(tmp_path: Path) -> None:
    suite = {"target": "inprocess", "rounds": [TRANSFER_ROUNDS[0]]}
    (tmp_path / "a.yaml").write_text(json.dumps({**suite, "block_txs": 500}))
    (tmp_path / "b.yaml").write_text(json.dumps({**suite, "block_txs": 20}))
    out = tmp_path / "out"
    files = [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    result = CliRunner().invoke(finchain_app, ["bench", "compare", *files, "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "comparison.json").read_text())
    [row] = document["rounds"]
    assert row["round"] == "fixed-40" and row["a"]["succeeded"] == row["b"]["succeeded"] == 60
    assert row["throughput_b_over_a"] == pytest.approx(
        row["b"]["throughput_tps"] / row["a"]["throughput_tps"]
    )
    assert row["p99_b_over_a"] > 0
    assert (out / "a" / "report.html").is_file() and (out / "b" / "results.json").is_file()
    assert "B/A tps" in result.output


def test_comparison_matches_rounds_by_name() -> None:
    def result(name: str, tps: float, p50: float) -> RoundResult:
        return RoundResult(name, "http", "intl", 10, 10, 0, 1.0, tps, p50, 2 * p50, 3 * p50)

    a = [result("x", 100.0, 0.010), result("only-a", 1.0, 0.1)]
    b = [result("x", 150.0, 0.005), result("only-b", 1.0, 0.1)]
    x, only_a, only_b = compare_results(a, b)
    assert (x.throughput_ratio, x.p50_ratio, x.p99_ratio) == pytest.approx((1.5, 0.5, 0.5))
    assert only_a.b is None and only_a.throughput_ratio is None
    assert only_b.a is None and only_b.name == "only-b"
    first, second = vary_suite(get_preset("quick"), "suite=intl,gm")
    assert (first.suite, second.suite) == ("intl", "gm") and first.rounds == second.rounds
    with pytest.raises(RoundConfigError, match="--vary"):
        vary_suite(get_preset("quick"), "block=1,2")


@pytest.mark.timeout(60)
def test_top_level_bench_preset_runs_the_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PRESETS, "tiny", {"rounds": [TRANSFER_ROUNDS[0], CLEARING_ROUNDS[0]]})
    out = tmp_path / "out"
    result = CliRunner().invoke(finchain_app, ["bench", "--preset", "tiny", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in document["rounds"]] == ["fixed-40", "pay-fixed"]
    assert [r["succeeded"] for r in document["rounds"]] == [60, 60]
    assert document["environment"]["target"] == "http"
    assert "<svg" in (out / "report.html").read_text()
    for column in ("committed/s", "p99", "node CPU %", "clearing", "fixed-rate 40/s"):
        assert column in result.output
    # Without --preset/--config the group prints its help; with a command they are refused.
    assert "compare" in CliRunner().invoke(finchain_app, ["bench"]).output
    refused = CliRunner().invoke(finchain_app, ["bench", "--preset", "tiny", "run"])
    assert refused.exit_code != 0


def test_chain_settings_are_checked() -> None:
    rounds = [TRANSFER_ROUNDS[0]]
    assert parse_suite_config({"target": "testnet", "rounds": rounds}).validators == 4
    with pytest.raises(RoundConfigError, match="testnet"):
        parse_suite_config({"target": "http", "validators": 4, "rounds": rounds})
    with pytest.raises(RoundConfigError, match="target"):
        parse_suite_config({"target": "cloud", "rounds": rounds})
    with pytest.raises(RoundConfigError, match="clearing needs 2"):
        parse_suite_config({"rounds": [{**CLEARING_ROUNDS[0], "accounts": 1}]})
    quick = get_preset("quick")
    moved = override_suite(quick, target="testnet", suite="gm")
    assert (moved.target, moved.validators, moved.suite) == ("testnet", 4, "gm")
    assert "target=testnet" in moved.label and moved.rounds == quick.rounds
    assert override_suite(moved, validators=2).validators == 2


def _is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.timeout(60)
def test_payload_bytes_ride_on_every_transaction_as_its_memo() -> None:
    rounds = [
        {**TRANSFER_ROUNDS[0], "payload_bytes": 200},
        {**CONTRACT_ROUNDS[0], "payload_bytes": 7},
    ]
    config = parse_suite_config({"target": "inprocess", "rounds": rounds})
    memos: dict[str, set[int]] = {}

    def inspect_chain(chain: ChainUnderTest, run: SuiteRun) -> None:
        driver = chain.driver
        assert isinstance(driver, InprocessDriver)
        for round_config, outcome in zip(config.rounds, run.outcomes, strict=True):
            assert outcome is not None and outcome.succeeded
            lengths = memos.setdefault(round_config.name, set())
            for tx_hash in outcome.succeeded:
                location = driver.db.find_tx(bytes.fromhex(tx_hash))
                assert location is not None
                raw = driver.db.load_tx(location)
                assert raw is not None
                lengths.add(len(decode_signed_tx(raw, driver.app.suite, len(raw)).tx.memo))

    run = run_suite(config, inspect_chain=inspect_chain)
    assert memos == {rounds[0]["name"]: {200}, rounds[1]["name"]: {7}}
    assert run.results[0].settings["payload_bytes"] == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payload_bytes": 257}, "at most 256"),
        ({"payload_bytes": -1}, "non-negative integer"),
        ({"workload": "query", "payload_bytes": 8}, "needs a signed workload"),
    ],
)
def test_invalid_payload_bytes_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(RoundConfigError, match=message):
        parse_suite_config({"rounds": [{**TRANSFER_ROUNDS[0], **change}]})
