"""Fuzz every REST endpoint from the OpenAPI document with schemathesis, in-process.

The app is the real one (every default skill, the knowledge index built over the index tests'
fixture articles with the hash embedder, no MiniLM), called through schemathesis's ASGI transport.
For each operation of ``/openapi.json`` schemathesis generates requests that fit the document
(positive) and requests that break it (negative: wrong types, missing fields, bad formats), and
each answer must pass:

* no 5xx, ever;
* every 4xx body is exactly ``{"error": {"code": str, "message": str}}``;
* the status code is one the document lists for the operation, the content type is a documented
  one, and the body matches the documented schema.

A last pass repeats the session endpoints with a real conversation's id (a plan is in its
profile), so export, plan downloads and erase are fuzzed past "not found". Generation is
derandomized, so a run is repeatable; the test asserts at least ``MIN_CASES`` requests in all.

Run it alone: ``.venv/bin/pytest tests/hostile/test_fuzz_rest.py -q`` (about 40 s on 2 cores).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.channels import access
from assistant.server import create_app
from assistant.testing import settings_for_tests
from tests.hostile.conftest import assert_error_body
from tests.index.conftest import ARTICLES

POSITIVE_EXAMPLES = 70  # per operation
NEGATIVE_EXAMPLES = 50  # per operation where the document allows invalid input at all
SESSION_EXAMPLES = 20  # per session endpoint, with a real session id
MIN_CASES = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
Schema = Any  # schemathesis's OpenApiSchema


def _open(tmp: Path, **overrides: Any) -> Schema:
    values: dict[str, Any] = {
        "retrieval": True,
        "index_corpus": ARTICLES,
        "rate_limit_burst": 1_000_000,
        "rate_limit_per_minute": 1_000_000,
    }
    settings_ = settings_for_tests(tmp, **{**values, **overrides})
    app = create_app(settings_)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # starts the app's lifespan
    with asgi.get_client(app) as client:
        deadline = time.monotonic() + 120
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app never became ready"
            time.sleep(0.05)
    return schema


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Schema]:
    yield _open(tmp_path_factory.mktemp("fuzz"))
    asgi.shutdown_lifespans()  # closes the runtime: its store and warm-up thread


def _check(case: Any, response: Any) -> None:
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        assert_error_body(response.content)


def _fuzz(operation: Any, strategy: Any, examples: int, seen: Counter[str]) -> None:
    @settings(FUZZ, max_examples=examples)
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call()
        seen[f"{operation.method.upper()} {operation.path} {response.status_code}"] += 1
        _check(case, response)

    run()


def _operations(schema: Schema) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_every_endpoint_survives_generated_requests(fuzz_schema: Schema) -> None:
    seen: Counter[str] = Counter()
    operations = _operations(fuzz_schema)
    assert len(operations) >= 15  # every router contributed (chat, sessions, index, skills, web)
    for op in operations:
        _fuzz(op, op.as_strategy(generation_mode=GenerationMode.POSITIVE), POSITIVE_EXAMPLES, seen)
        if not any(op.body) and not any(op.query):
            continue  # only path parameters, all free-form strings: nothing invalid to send
        try:
            negative = op.as_strategy(generation_mode=GenerationMode.NEGATIVE)
            _fuzz(op, negative, NEGATIVE_EXAMPLES, seen)
        except Unsatisfiable:
            pass  # the document forbids nothing that can be sent
    _fuzz_a_real_session(fuzz_schema, operations, seen)
    total = sum(seen.values())
    print(f"\n{total} generated requests; by operation and status:")
    for key, count in sorted(seen.items()):
        print(f"  {count:5d}  {key}")
    assert total >= MIN_CASES
    reached = {key.rsplit(" ", 1)[0] for key in seen}
    assert len(reached) == len(operations)  # every operation was called at least once
    # the generated requests also got past validation, not only into 4xx answers
    for path in ("/api/v1/chat", "/api/v1/triage", "/api/v1/search", "/api/v1/workout-plan"):
        assert any(k.startswith(f"POST {path} 200") or k.startswith(f"GET {path} 200")
                   for k in seen), path  # fmt: skip


def _fuzz_a_real_session(schema: Schema, operations: list[Any], seen: Counter[str]) -> None:
    with asgi.get_client(schema.app) as client:
        reply = client.post("/api/v1/chat", json={"text": "I want to build muscle"})
        assert reply.status_code == 200, reply.text
        session_id = reply.json()["session_id"]
    session_ops = [op for op in operations if "{session_id}" in op.path]
    session_ops.sort(key=lambda op: op.method == "delete")  # erase last
    assert session_ops
    for op in session_ops:
        strategy = op.as_strategy(path_parameters={"session_id": session_id})
        _fuzz(op, strategy, SESSION_EXAMPLES, seen)


def test_with_api_keys_every_keyed_endpoint_documents_its_401(
    tmp_path: Path,
) -> None:
    schema = _open(tmp_path, skills="smalltalk", retrieval=False, api_keys="fuzz-key")
    seen: Counter[str] = Counter()
    try:
        keyed = [op for op in _operations(schema) if access.needs_key(op.method, op.path)]
        assert len(keyed) >= 5
        for op in keyed:
            _fuzz(op, op.as_strategy(), 10, seen)
    finally:
        asgi.shutdown_lifespans()
    statuses = Counter(key.rsplit(" ", 1)[1] for key in seen)
    assert statuses["401"] >= len(keyed) and not any(s.startswith("5") for s in statuses)
