"""The OpenAPI document is well-formed 3.1: every reference resolves, operations are unique, and it
names every route the server answers and every event kind it emits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kiosk.localapi.events import EVENT_KINDS
from kiosk.localapi.openapi import openapi_document
from kiosk.localapi.server import ROUTES


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_references_resolve_and_operations_are_unique() -> None:
    document = openapi_document(47800)
    json.dumps(document)  # plain JSON
    refs = [node["$ref"] for node in walk(document) if isinstance(node, dict) and "$ref" in node]
    assert refs
    for ref in refs:
        assert isinstance(resolve(document, ref), dict)
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))


def test_routes_methods_and_events_match_the_server() -> None:
    document = openapi_document(1)
    assert {path: tuple(sorted(m.upper() for m in ops)) for path, ops in document["paths"].items()} == {
        path: tuple(sorted(methods)) for path, methods in ROUTES.items()}
    description = document["paths"]["/v1/events"]["get"]["description"]
    for kind in EVENT_KINDS:
        assert f"`{kind}`" in description
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "200" in operation["responses"], path
