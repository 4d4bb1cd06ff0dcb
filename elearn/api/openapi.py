"""The OpenAPI 3.1 description of /api/v1 (a test checks it names exactly the routes that exist)."""
from __future__ import annotations

from functools import cache

VERSION = "1.0.0"

_COUNT = {"type": "integer", "minimum": 0}
_NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0}
_SHARE = {"type": ["number", "null"], "minimum": 0, "description": "A share between 0 and 1 (0.7 is 70%)."}


def _counts() -> dict:
    return {
        "type": "object",
        "required": ["population", "registered", "trained", "rate"],
        "properties": {
            "population": {**_NULLABLE_COUNT, "description": "Labour-age population from the commune's "
                           "statistics, summed over the villages that have a figure; null when none has."},
            "population_years": {"type": "array", "items": {"type": "integer"}},
            "villages": _COUNT,
            "villages_without_population": _COUNT,
            "registered": {**_COUNT, "description": "Labour-age residents with an account."},
            "trained": {**_COUNT, "description": "Labour-age residents trained (every required course done)."},
            "trained_in_villages_with_population": {**_COUNT, "description": "The rate's numerator."},
            "trained_in_period": _COUNT,
            "trained_any_age": _COUNT,
            "assisted": _COUNT,
            "rate": _SHARE,
            "needed_for_2025_target": {**_NULLABLE_COUNT, "description": "People still to train for the rate "
                                       "to be over 70%."},
            "needed_for_2030_target": {**_NULLABLE_COUNT, "description": "... over 80%."},
        },
    }


def _unit_id() -> dict:
    return {"name": "unit_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "description": "A province or commune within the token's unit."}


def _day(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "format": "date"}}


def _errors(*codes: int) -> dict:
    texts = {400: "A bad argument.", 401: "No token, or a revoked, expired or unknown one.",
             404: "No such unit within the token's scope.", 429: "Too many requests."}
    return {str(code): {"description": texts[code], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for code in codes}


@cache
def document() -> dict:
    report = {"$ref": "#/components/schemas/Report"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Học số reporting API", "version": VERSION,
                 "description": "Aggregated training figures of labour-age residents against the commune's "
                                "targets (over 70% by 2025, over 80% by 2030). Read-only; no personal data. "
                                "Officials create and revoke tokens at /reports/tokens."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/units": {"get": {
                "summary": "The units the token may read", "operationId": "listUnits",
                "responses": {"200": {"description": "Units", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"units": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Unit"}}}}}}}, **_errors(401, 429)}}},
            "/api/v1/units/{unit_id}/completion": {"get": {
                "summary": "Trained labour-age residents against the targets, per village or commune",
                "operationId": "getCompletion",
                "parameters": [_unit_id(), _day("as_of", "The day counted up to (default today).")],
                "responses": {"200": {"description": "Figures", "content": {"application/json": {
                    "schema": report}}}, **_errors(400, 401, 404, 429)}}},
            "/api/v1/units/{unit_id}/report": {"get": {
                "summary": "The period report: totals, rows, by sex, age band, month, course, survey",
                "operationId": "getReport",
                "parameters": [_unit_id(), _day("from", "First day of the period (default 1 January)."),
                               _day("to", "Last day of the period (default today).")],
                "responses": {"200": {"description": "Figures", "content": {"application/json": {
                    "schema": report}}}, **_errors(400, 401, 404, 429)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document", "operationId": "getOpenApi", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from /reports/tokens, e.g. hs_…"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"}}},
                "Unit": {"type": "object", "required": ["id", "kind", "name"], "properties": {
                    "id": {"type": "integer"}, "kind": {"enum": ["province", "commune", "village"]},
                    "name": {"type": "string"}, "code": {"type": ["string", "null"]},
                    "parent_id": {"type": ["integer", "null"]}, "demo": {"type": "boolean"}}},
                "Counts": _counts(),
                "Report": {"type": "object", "required": ["unit", "as_of", "total", "rows"], "properties": {
                    "unit": {"$ref": "#/components/schemas/Unit"},
                    "as_of": {"type": "string", "format": "date"},
                    "period_start": {"type": "string", "format": "date"},
                    "targets": {"type": "array", "items": {"type": "object", "properties": {
                        "year": {"type": "integer"}, "over_percent": {"type": "integer"}}}},
                    "total": {"$ref": "#/components/schemas/Counts"},
                    "rows": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Counts"}, {
                        "type": "object", "properties": {"unit_id": {"type": "integer"},
                                                         "name": {"type": "string"}, "kind": {"type": "string"}}}]}},
                    "by_sex": {"type": "array", "items": {"type": "object"}},
                    "by_age_band": {"type": "array", "items": {"type": "object"}},
                    "by_month": {"type": "array", "items": {"type": "object"}},
                    "by_course": {"type": "array", "items": {"type": "object"}},
                    "survey": {"type": "object"},
                }},
            },
        },
    }
