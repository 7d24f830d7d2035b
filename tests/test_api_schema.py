"""The published API schema tells the truth: every list endpoint's real response validates against it.

A schema-driven client (or fuzzer) trusts the types and the nullability the schema declares. Each list
endpoint is fetched, over a world holding an object of every app (each app's ``testing.url_samples``),
as the system administrator and as an office, and every page, and the detail of its first row, is
validated with jsonschema against /api/schema/: no server error, no undeclared field, no null where
the schema promises a value.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from rest_framework.test import APIClient

from kesu.core.registry import app_modules
from kesu.testing import World

pytestmark = pytest.mark.django_db


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable`` becomes a union with null; objects admit no undeclared field."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if converted.get("type") == "object" and "properties" in converted:
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_schema(document: dict[str, Any], path: str) -> dict[str, Any] | None:
    operation = document["paths"][path].get("get")
    if operation is None:
        return None
    content = operation["responses"].get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return {**schema, "components": as_json_schema(copy.deepcopy(document["components"]))}


def violations(schema: dict[str, Any], body: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    # One line per field and kind of problem, not one per row.
    where = lambda error: "/".join("N" if isinstance(p, int) else p for p in error.absolute_path)  # noqa: E731
    return sorted({f"{where(error)}: {error.message}" for error in validator.iter_errors(body)})


def lookup_of(document: dict[str, Any], detail: str) -> str:
    return detail[detail.index("{") + 1 : detail.index("}")]


@pytest.fixture
def populated(world: World) -> World:
    for module in app_modules("testing"):
        module.url_samples(world.kexie, world.pingdingshan, world.pds_office)
    return world


@pytest.mark.parametrize("persona", ["admin", "pds_office"])
def test_every_list_and_detail_response_matches_the_published_schema(populated: World, persona: str) -> None:
    client = APIClient()
    client.force_authenticate(getattr(populated, persona))
    document = client.get("/api/schema/", {"format": "json"}).json()
    lists = [p for p in document["paths"] if "{" not in p and p.endswith("/") and p != "/api/me/"]
    details = {p.split("{")[0]: p for p in document["paths"] if p.count("{") == 1 and p.endswith("}/")}
    problems, checked, rows = [], 0, 0
    for path in [*lists, "/api/me/"]:
        schema = response_schema(document, path)
        if schema is None:
            continue
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.json()
        problems += [f"{path} {v}" for v in violations(schema, body)]
        checked += 1
        results = body.get("results") if isinstance(body, dict) else None
        if not results or path not in details:
            continue
        rows += len(results)
        detail = details[path]
        key = lookup_of(document, detail)
        first = results[0].get(key, results[0].get("id"))
        url = detail.replace("{" + key + "}", str(first))
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        problems += [f"{url} {v}" for v in violations(response_schema(document, detail) or {}, answer.json())]
    assert checked >= 12
    assert rows > 0
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))
