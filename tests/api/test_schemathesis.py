"""Schemathesis against a live node: every operation of `/openapi.json`, fed generated valid and
invalid input, answers no 5xx, only the status codes and content types its OpenAPI `responses`
document, and never drops the connection.

The node is real (solo engine, uvicorn on a free 127.0.0.1 port, a few committed blocks), so a
crash that resets a keep-alive connection shows as a failure, not only a 500. Generation is
seeded and bounded: `FAST_EXAMPLES` per operation always run, anonymously and as a signed
regulator (legal basis given: it may read everything); `SLOW_EXAMPLES` per operation run with
`-m slow`, also as a bank (whose scope refuses other members' data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from finchain.sdk import Client, Wallet
from finchain.sdk.read_signing import now_ms, sign_read_headers
from tests.sdk.nodes import CHAIN_ID, RunningNode, run_node

SEED = 15
FAST_EXAMPLES = 15
SLOW_EXAMPLES = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
OUT_OF_RANGE = (2**64, 10**30, -1)
EDGES = (2**64 - 1, 2**63, 0)
LEGAL_BASIS = "schemathesis conformance run"


class SignedRead(requests.auth.AuthBase):
    """Signs each request as a read by `reader`, over the target exactly as requests sends it."""

    def __init__(self, reader: Wallet, legal_basis: str = "") -> None:
        self.reader = reader
        self.legal_basis = legal_basis

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        assert request.method is not None
        headers = sign_read_headers(
            self.reader,
            CHAIN_ID,
            request.method,
            request.path_url,
            body,
            now_ms(),
            self.legal_basis,
        )
        request.headers.update(headers)
        return request


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    """An intl node with a few committed blocks (an issue and a transfer)."""
    home = tmp_path_factory.mktemp("schemathesis") / "home"
    with run_node(home, "intl") as running:
        pboc, bank_a = running.wallets["pboc"], running.wallets["bank-a"]
        with Client(running.url) as client:
            assert client.bank.issue(pboc, bank_a.address, "CNY", 10_000).ok
            assert client.bank.transfer(bank_a, running.address("bank-b"), "CNY", 25).ok
        yield running


@pytest.fixture(scope="module")
def api_schema(live_node: RunningNode) -> Any:
    return schemathesis.openapi.from_url(f"{live_node.url}/openapi.json")


@pytest.fixture(scope="module")
def anonymous(live_node: RunningNode) -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def regulator(live_node: RunningNode) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = SignedRead(live_node.wallets["regulator"], LEGAL_BASIS)
        yield session


@pytest.fixture(scope="module")
def bank(live_node: RunningNode) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = SignedRead(live_node.wallets["bank-a"])
        yield session


def find_failures(api_schema: Any, session: requests.Session, examples: int) -> list[str]:
    """Run every operation, in both generation modes, for `examples` seeded cases each; one line
    per operation and mode that failed a check (or whose request failed at the transport)."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                verbosity=Verbosity.quiet,
            )
            @seed(SEED)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.call_and_validate(session=session, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid input exists (an operation without parameters or body)
            except (Exception, FailureGroup) as exc:  # report every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {_summarise_failure(exc)}")
    return failures


def _summarise_failure(exc: BaseException) -> str:
    """A failure's kind, status and the curl line that reproduces it."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    curl = [line for line in lines if line.startswith("curl ")]
    summary = [line for line in lines if line.startswith(("- ", "Received:"))]
    return "; ".join(summary[:4] + curl[:1]) or text[:300]


def test_anonymous_conformance(api_schema: Any, anonymous: requests.Session) -> None:
    failures = find_failures(api_schema, anonymous, FAST_EXAMPLES)
    assert not failures, "\n".join(failures)


def test_signed_regulator_conformance(api_schema: Any, regulator: requests.Session) -> None:
    failures = find_failures(api_schema, regulator, FAST_EXAMPLES)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_signed_bank_conformance_slow(api_schema: Any, bank: requests.Session) -> None:
    failures = find_failures(api_schema, bank, SLOW_EXAMPLES)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_anonymous_conformance_slow(api_schema: Any, anonymous: requests.Session) -> None:
    failures = find_failures(api_schema, anonymous, SLOW_EXAMPLES)
    assert not failures, "\n".join(failures)


def integer_parameters(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, path, name, location) of every integer path and query parameter."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema_ = parameter["schema"]
                types = [schema_.get("type")] + [o.get("type") for o in schema_.get("anyOf", [])]
                if "integer" in types:
                    found.append((method, path, parameter["name"], parameter["in"]))
    return found


def integer_bounds(parameter_schema: dict[str, Any]) -> tuple[Any, Any]:
    options = [parameter_schema, *parameter_schema.get("anyOf", [])]
    [integer] = [o for o in options if o.get("type") == "integer"]
    return integer.get("minimum"), integer.get("maximum")


def test_every_integer_parameter_is_bounded(live_node: RunningNode) -> None:
    document = httpx.get(f"{live_node.url}/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if "integer" not in str(parameter["schema"]):
                    continue
                low, high = integer_bounds(parameter["schema"])
                where = f"{method} {path} {parameter['name']}"
                assert low is not None and low >= 0, where
                assert high is not None and high <= 2**64 - 1, where


def test_invalid_out_of_range_integers_on_every_route(live_node: RunningNode) -> None:
    """Issue 15: `GET /v1/blocks/18446744073709551616` was a 500 that reset the connection.
    Every integer parameter past its bounds is 422 `api/invalid_request` naming it (before any
    signed-read check); the bounds themselves answer a documented status; the keep-alive
    connection survives every answer."""
    address = live_node.address("bank-a")
    with httpx.Client(base_url=live_node.url) as client:
        document = client.get("/openapi.json").json()
        parameters = integer_parameters(document)
        assert ("get", "/v1/blocks/{height}", "height", "path") in parameters
        for method, path, name, location in parameters:
            documented = set(document["paths"][path][method]["responses"])
            for value in OUT_OF_RANGE + EDGES:
                url = _fill_path(path, address, {name: value} if location == "path" else {})
                params = {"currency": "CNY"}
                if location == "query":
                    params[name] = str(value)
                response = client.request(method.upper(), url, params=params, json={})
                where = (method, url, params, response.text)
                assert str(response.status_code) in documented, where
                body = response.json()
                if value in OUT_OF_RANGE:
                    assert response.status_code == 422, where
                    assert body["code"] == "api/invalid_request", where
                    assert name in {e["loc"][-1] for e in body["details"]["errors"]}, where
                # the same keep-alive connection still answers
                assert client.get("/v1/blocks/latest").status_code == 200


def test_invalid_block_height_past_u64_is_422(live_node: RunningNode) -> None:
    with httpx.Client(base_url=live_node.url) as client:
        response = client.get("/v1/blocks/18446744073709551616")
        assert response.status_code == 422
        assert response.json()["code"] == "api/invalid_request"
        assert client.get("/v1/blocks/18446744073709551615").status_code == 404
        assert client.get("/v1/blocks/1").status_code == 200


def _fill_path(path: str, address: str, values: dict[str, int]) -> str:
    defaults: dict[str, Any] = {
        "address": address,
        "height": 1,
        "proposal_id": 0,
        "directive_id": 0,
        "participant": "bank-a",
        "report_type": "balances",
        "uetr": "x",
        "member_id": "bank-a",
        "symbol": "CNY",
        "tx_hash": "00",
    }
    return path.format(**{**defaults, **values})
