"""With introspection off (production), a typo is answered without "Did you mean ...?": the
suggestions would spell out the schema's fields, arguments, types and enum values."""

import json
import logging
from typing import Any

import pytest
from redis.asyncio import Redis

from core.settings import Environment, Settings
from tests.api_client import Api, running_api
from tests.program_requests import CREATE_PROGRAM, program_input

# Each is answered with a message that, in development, suggests a name of the schema.
TYPOS: list[tuple[str, dict[str, Any], str]] = [
    ("{ programz { nodes { id } } }", {}, "programs"),  # a field of Query
    ("{ programs(frist: 1) { nodes { id } } }", {}, "first"),  # an argument
    ("query($p: Pattrn) { movements(pattern: $p) { name } }", {}, "Pattern"),  # a type
    ("{ movements(pattern: SQAT) { name } }", {}, "SQUAT"),  # an enum value in the document
    (CREATE_PROGRAM, {"input": program_input(goal="STRENGHT")}, "STRENGTH"),  # ... in variables
    (CREATE_PROGRAM, {"input": {**program_input(), "wekks": 4}}, "weeks"),  # an input field
]


async def typo_answers(api: Api) -> list[dict[str, Any]]:
    answers = []
    for query, variables, _ in TYPOS:
        response = await api.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        [error] = response.json()["errors"]
        answers.append(error)
    return answers


async def test_no_suggestions_when_introspection_is_off(
    api_settings: Settings, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    production = api_settings.model_copy(update={"liftplan_env": Environment.PRODUCTION})
    async with running_api(production) as api:
        for _ in range(2):  # a second time too (nothing served from a cache with the suggestion)
            answers = await typo_answers(api)
            for (query, variables, name), error in zip(TYPOS, answers, strict=True):
                assert "did you mean" not in error["message"].lower(), (query, error)
                if name not in json.dumps(variables):  # not one the answer quotes back from the request
                    assert name not in error["message"], (query, error)
                assert error["extensions"]["code"] in {"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}

    async with running_api(api_settings) as api:  # development: the suggestions help the developer
        answers = await typo_answers(api)
        for (query, _, name), error in zip(TYPOS, answers, strict=True):
            assert "Did you mean" in error["message"] and name in error["message"], (query, error)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
