"""The relay's OpenAPI 3.0 description, served at ``GET /openapi.json``.

Written by hand because the hot routes are plain ASGI (no framework generates it); the
schemathesis test in ``tests/integration/test_relay_schema.py`` checks the running relay
against it.
"""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "one sentence: what went wrong"}},
}
_SEQ = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}


def _err(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return response


_EVENT = {
    "type": "object",
    "required": ["seq", "received_at", "envelope", "headers"],
    "properties": {
        "seq": _SEQ,
        "received_at": {"type": "string"},
        "envelope": {"$ref": "#/components/schemas/Envelope"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "impilo-relay",
        "version": "1",
        "description": "Receives Impilo's webhooks, stores them durably, streams them over SSE.",
    },
    "paths": {
        "/hooks": {
            "post": {
                "summary": "Ingest one Impilo webhook event (answered after its commit)",
                "security": [{"webhookSecret": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "stored (or already stored: duplicate)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["seq", "duplicate"],
                                    "properties": {"seq": _SEQ, "duplicate": {"type": "boolean"}},
                                }
                            }
                        },
                    },
                    "400": _err("not an Impilo event (strict JSON object with id and type)"),
                    "401": _err("missing or wrong Impilo-Webhook-Secret"),
                    "413": _err("body over --max-body-bytes"),
                    "503": _err("the store cannot commit now, or shutting down", retry=True),
                },
            }
        },
        "/events": {
            "get": {
                "summary": "The SSE stream: replay after Last-Event-ID or ?after, then live",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "after", "in": "query", "schema": _SEQ},
                    {"name": "Last-Event-ID", "in": "header", "schema": _SEQ},
                ],
                "responses": {
                    "200": {
                        "description": "an endless text/event-stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    "400": _err("a bad Last-Event-ID or after"),
                    "401": _err("missing or wrong bearer token"),
                    "503": _err(
                        "--max-subscribers streams already open, or the store cannot be reached",
                        retry=True,
                    ),
                },
            }
        },
        "/events/history": {
            "get": {
                "summary": "Stored events as JSON pages",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "after", "in": "query", "schema": _SEQ},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "one page (at most 1,000 events)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": [
                                        "events",
                                        "next_after",
                                        "last_seq",
                                        "pruned_through",
                                        "gap",
                                    ],
                                    "properties": {
                                        "events": {"type": "array", "items": _EVENT},
                                        "next_after": _SEQ,
                                        "last_seq": _SEQ,
                                        "pruned_through": _SEQ,
                                        "gap": {"type": "boolean"},
                                    },
                                }
                            }
                        },
                    },
                    "400": _err("a bad after or limit"),
                    "401": _err("missing or wrong bearer token"),
                    "503": _err("the store cannot be reached now", retry=True),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Health: ok while the store commits",
                "responses": {
                    "200": {
                        "description": "healthy",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                        },
                    },
                    "503": {
                        "description": "the store cannot commit or be reached (see reason)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                        },
                    },
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus text format",
                "responses": {
                    "200": {
                        "description": "the metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "webhookSecret": {"type": "apiKey", "in": "header", "name": "Impilo-Webhook-Secret"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
        "schemas": {
            "Error": _ERROR,
            "Envelope": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {
                    "id": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
                    "type": {"type": "string"},
                    "payload": {},
                },
            },
            "Health": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"type": "string", "enum": ["ok", "failing"]},
                    "reason": {"type": "string"},
                    "subscribers": {"type": "integer"},
                    "last_seq": _SEQ,
                    "pruned_through": _SEQ,
                    "count": {"type": "integer"},
                },
            },
        },
    },
}
