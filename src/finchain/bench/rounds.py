"""Benchmark rounds: the YAML format of `finchain bench run`, its validation and the presets.

A suite file holds optional node settings and a list of rounds:

    suite: intl               # key suite of the chain (intl | gm)
    block_txs: 2000           # the solo engine's maximum transactions per block
    target: http              # http (solo node over REST) | inprocess | testnet (CometBFT)
    validators: 4             # testnet only (default 4)
    rounds:
      - name: transfer-500
        workload: transfer      # transfer | clearing | contract | query
        rate_control: fixed-rate
        tps: 500
        duration_s: 10
        accounts: 200
        payload_bytes: 128      # a memo of this many bytes on every transaction (0 .. 256)
      - name: transfer-max
        workload: transfer
        rate_control: max-rate
        clients: 8
        duration_s: 10
      - name: query-ramp
        workload: query
        rate_control: linear-ramp
        start_tps: 100
        end_tps: 1000
        duration_s: 10

Owns: parsing and checking rounds (pure; `load_suite_config` reads one file).
Must never: start processes or touch the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from finchain.model.tx import MAX_MEMO_BYTES

WORKLOADS = ("transfer", "clearing", "contract", "query")
SIGNED_WORKLOADS = ("transfer", "clearing", "contract")  # pre-signed, counted by hash
TARGETS = ("http", "inprocess", "testnet")
SUITES = ("intl", "gm")
DEFAULT_TESTNET_VALIDATORS = 4
CAICT_RUNS = ("pressure", "spike", "stability")  # judged by bench/caict.py
RATE_CONTROLS = ("fixed-rate", "max-rate", "linear-ramp")
DEFAULT_ACCOUNTS = 100
DEFAULT_CLIENTS = 4
DEFAULT_MAX_TXS = 20_000  # pre-signed pool of a max-rate transfer round


class RoundConfigError(ValueError):
    """A suite file or preset that cannot be run; the message names the round and the field."""


@dataclass(frozen=True, slots=True)
class RoundConfig:
    """One round. `tps` is used by fixed-rate, `start_tps`/`end_tps` by linear-ramp, `clients`
    (and `max_txs`, the pre-signed pool of transfers) by max-rate."""

    name: str
    workload: str
    rate_control: str
    duration_s: float
    accounts: int = DEFAULT_ACCOUNTS
    tps: float = 0.0
    start_tps: float = 0.0
    end_tps: float = 0.0
    clients: int = DEFAULT_CLIENTS
    max_txs: int = DEFAULT_MAX_TXS
    caict: str = ""  # pressure | spike | stability: the round is judged by that CAICT run
    payload_bytes: int = 0  # memo bytes on every signed transaction (0 .. MAX_MEMO_BYTES)

    @property
    def memo(self) -> str:
        return "x" * self.payload_bytes

    @property
    def is_signed(self) -> bool:
        """Transactions (transfer, clearing, contract) rather than reads."""
        return self.workload in SIGNED_WORKLOADS

    @property
    def scheduled_count(self) -> int:
        """Transactions (or reads) an open-loop round sends: the rate integrated over time."""
        if self.rate_control == "fixed-rate":
            return max(1, round(self.tps * self.duration_s))
        return max(1, round((self.start_tps + self.end_tps) / 2 * self.duration_s))

    def describe(self) -> dict[str, Any]:
        """The fields that matter for this round's rate control (for the reports)."""
        common: dict[str, Any] = {
            "workload": self.workload,
            "rate_control": self.rate_control,
            "duration_s": self.duration_s,
            "accounts": self.accounts,
        }
        if self.caict:
            common["caict"] = self.caict
        if self.payload_bytes:
            common["payload_bytes"] = self.payload_bytes
        if self.rate_control == "fixed-rate":
            return {**common, "tps": self.tps}
        if self.rate_control == "linear-ramp":
            return {**common, "start_tps": self.start_tps, "end_tps": self.end_tps}
        return {**common, "clients": self.clients, "max_txs": self.max_txs}


@dataclass(frozen=True, slots=True)
class SuiteConfig:
    """The rounds and the chain they run on: `target` http (a solo node process over REST),
    inprocess (the solo engine inside the benchmark process) or testnet (`validators` CometBFT
    validators, real processes)."""

    rounds: tuple[RoundConfig, ...]
    suite: str = "intl"
    block_txs: int = 2_000
    label: str = "custom"
    target: str = "http"
    validators: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def funded_accounts(self) -> int:
        """Transfer, contract and query rounds have accounts of their own (nonces from 0), all
        funded in genesis; clearing rounds' senders join the banks during the set-up instead."""
        return sum(r.accounts for r in self.rounds if r.workload != "clearing")

    def describe(self) -> dict[str, Any]:
        return {
            "config": self.label,
            "target": self.target,
            "validators": self.validators,
            "crypto_suite": self.suite,
            "block_txs": self.block_txs,
        }


def override_suite(
    config: SuiteConfig,
    *,
    target: str | None = None,
    suite: str | None = None,
    validators: int | None = None,
) -> SuiteConfig:
    """The same rounds on other chain settings (None: keep; a new target without `validators`
    gets its default), checked; the label says what changed."""
    document: dict[str, Any] = {"suite": suite or config.suite, "target": target or config.target}
    if validators is not None:
        document["validators"] = validators
    elif document["target"] == config.target:
        document["validators"] = config.validators
    settings = _parse_chain_settings(document)
    changed = {k: v for k, v in settings.items() if v != getattr(config, k)}
    label = config.label + "".join(f" {k}={v}" for k, v in changed.items())
    return replace(config, label=label, **settings)


PRESETS: dict[str, dict[str, Any]] = {
    # The three CAICT runs around a pressure rate P (set P to the capacity measured on the
    # target; 300 tx/s suits the solo node on a 2-core machine): pressure at P, a spike at 2P,
    # stability at 20 % of P for longer. Each round gets a pass/fail verdict (bench/caict.py).
    "caict": {
        "rounds": [
            {
                "name": "caict-pressure-300",
                "workload": "transfer",
                "rate_control": "fixed-rate",
                "tps": 300,
                "duration_s": 10,
                "accounts": 200,
                "caict": "pressure",
            },
            {
                "name": "caict-spike-600",
                "workload": "transfer",
                "rate_control": "fixed-rate",
                "tps": 600,
                "duration_s": 5,
                "accounts": 200,
                "caict": "spike",
            },
            {
                "name": "caict-stability-60",
                "workload": "transfer",
                "rate_control": "fixed-rate",
                "tps": 60,
                "duration_s": 30,
                "accounts": 200,
                "caict": "stability",
            },
        ],
    },
    # Five short rounds, one per rate controller plus clearing payments and token-contract
    # calls: ~25 s of load, well under 2 minutes in all (a 4-validator testnet included).
    "quick": {
        "rounds": [
            {
                "name": "transfer-fixed-200",
                "workload": "transfer",
                "rate_control": "fixed-rate",
                "tps": 200,
                "duration_s": 5,
                "accounts": 100,
            },
            {
                "name": "transfer-max-8",
                "workload": "transfer",
                "rate_control": "max-rate",
                "clients": 8,
                "duration_s": 5,
                "accounts": 100,
            },
            {
                "name": "clearing-fixed-100",
                "workload": "clearing",
                "rate_control": "fixed-rate",
                "tps": 100,
                "duration_s": 5,
                "accounts": 30,
            },
            {
                "name": "contract-fixed-100",
                "workload": "contract",
                "rate_control": "fixed-rate",
                "tps": 100,
                "duration_s": 5,
                "accounts": 30,
            },
            {
                "name": "query-ramp-50-400",
                "workload": "query",
                "rate_control": "linear-ramp",
                "start_tps": 50,
                "end_tps": 400,
                "duration_s": 5,
                "accounts": 50,
            },
        ],
    },
}


def load_suite_config(path: Path) -> SuiteConfig:
    """Read and check a YAML suite file."""
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise RoundConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_suite_config(document, label=path.name)


def get_preset(name: str) -> SuiteConfig:
    if name not in PRESETS:
        raise RoundConfigError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    return parse_suite_config(PRESETS[name], label=f"preset:{name}")


def parse_suite_config(document: Any, *, label: str = "custom") -> SuiteConfig:
    """Check a parsed document (a mapping with `rounds`) and build the config."""
    if not isinstance(document, dict) or not isinstance(document.get("rounds"), list):
        raise RoundConfigError("a suite is a mapping with a list `rounds`")
    unknown = set(document) - {"rounds", "suite", "block_txs", "target", "validators"}
    if unknown:
        raise RoundConfigError(f"unknown suite field(s): {sorted(unknown)}")
    rounds = tuple(_parse_round(index, raw) for index, raw in enumerate(document["rounds"]))
    if not rounds:
        raise RoundConfigError("a suite needs at least one round")
    names = [r.name for r in rounds]
    if len(set(names)) != len(names):
        raise RoundConfigError(f"round names must be unique: {names}")
    block_txs = _positive_int("suite", "block_txs", document.get("block_txs", 2_000))
    settings = _parse_chain_settings(document)
    return SuiteConfig(rounds, block_txs=block_txs, label=label, **settings)


def _parse_chain_settings(document: dict[str, Any]) -> dict[str, Any]:
    """`suite`, `target` and `validators` of a suite document, checked."""
    suite = str(document.get("suite", "intl"))
    if suite not in SUITES:
        raise RoundConfigError(f"suite must be one of {SUITES}, not {suite!r}")
    target = str(document.get("target", "http"))
    if target not in TARGETS:
        raise RoundConfigError(f"target must be one of {TARGETS}, not {target!r}")
    default_validators = DEFAULT_TESTNET_VALIDATORS if target == "testnet" else 1
    validators = _positive_int(
        "suite", "validators", document.get("validators", default_validators)
    )
    if target != "testnet" and validators != 1:
        raise RoundConfigError(f"target {target} runs one node; validators > 1 needs testnet")
    return {"suite": suite, "target": target, "validators": validators}


def _parse_round(index: int, raw: Any) -> RoundConfig:
    if not isinstance(raw, dict):
        raise RoundConfigError(f"round {index} is not a mapping")
    name = str(raw.get("name", f"round-{index}"))
    allowed = set(RoundConfig.__dataclass_fields__)
    unknown = set(raw) - allowed
    if unknown:
        raise RoundConfigError(f"round {name!r}: unknown field(s) {sorted(unknown)}")
    workload = raw.get("workload")
    if workload not in WORKLOADS:
        raise RoundConfigError(f"round {name!r}: workload must be one of {WORKLOADS}")
    control = raw.get("rate_control")
    if control not in RATE_CONTROLS:
        raise RoundConfigError(f"round {name!r}: rate_control must be one of {RATE_CONTROLS}")
    config = RoundConfig(
        name=name,
        workload=workload,
        rate_control=control,
        duration_s=_positive_float(name, "duration_s", raw.get("duration_s")),
        accounts=_positive_int(name, "accounts", raw.get("accounts", DEFAULT_ACCOUNTS)),
        tps=_number(name, "tps", raw.get("tps", 0.0)),
        start_tps=_number(name, "start_tps", raw.get("start_tps", 0.0)),
        end_tps=_number(name, "end_tps", raw.get("end_tps", 0.0)),
        clients=_positive_int(name, "clients", raw.get("clients", DEFAULT_CLIENTS)),
        max_txs=_positive_int(name, "max_txs", raw.get("max_txs", DEFAULT_MAX_TXS)),
        caict=str(raw.get("caict", "")),
        payload_bytes=_count(name, "payload_bytes", raw.get("payload_bytes", 0)),
    )
    validate_round(config)
    return config


def validate_round(config: RoundConfig) -> None:
    """Raise `RoundConfigError` unless the rate control has the fields it needs."""
    if config.is_signed and config.accounts < 2:
        raise RoundConfigError(f"round {config.name!r}: {config.workload} needs 2+ accounts")
    if config.rate_control == "fixed-rate" and config.tps <= 0:
        raise RoundConfigError(f"round {config.name!r}: fixed-rate needs tps > 0")
    if config.rate_control == "linear-ramp" and (config.start_tps <= 0 or config.end_tps <= 0):
        raise RoundConfigError(f"round {config.name!r}: linear-ramp needs start_tps, end_tps > 0")
    if config.caict and config.caict not in CAICT_RUNS:
        raise RoundConfigError(f"round {config.name!r}: caict must be one of {CAICT_RUNS}")
    if config.caict and config.rate_control == "max-rate":
        raise RoundConfigError(f"round {config.name!r}: CAICT runs send at a fixed rate")
    if config.payload_bytes > MAX_MEMO_BYTES:
        raise RoundConfigError(
            f"round {config.name!r}: payload_bytes is at most {MAX_MEMO_BYTES} (the memo limit)"
        )
    if config.payload_bytes and not config.is_signed:
        raise RoundConfigError(f"round {config.name!r}: payload_bytes needs a signed workload")


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RoundConfigError(f"round {name!r}: {key} must be a non-negative number")
    return float(value)


def _positive_float(name: str, key: str, value: Any) -> float:
    if value is None or _number(name, key, value) <= 0:
        raise RoundConfigError(f"round {name!r}: {key} must be a positive number")
    return float(value)


def _count(name: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RoundConfigError(f"round {name!r}: {key} must be a non-negative integer")
    return value


def _positive_int(name: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RoundConfigError(f"round {name!r}: {key} must be a positive integer")
    return value
