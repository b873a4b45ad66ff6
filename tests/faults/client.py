"""The GraphQL calls these tests make over HTTP, as a front end would."""

from typing import Any

import httpx

CREATE_PROGRAM = """
mutation($input: CreateProgramInput!) {
  createProgram(input: $input) {
    ... on CreateProgramSuccess { program { id } }
    ... on CreateProgramError { code message }
  }
}
"""

REGENERATE = """
mutation($programId: ID!, $sessionIds: [ID!]) {
  regenerateSessions(programId: $programId, sessionIds: $sessionIds, includeComplete: true) {
    ... on RegenerateSessionsSuccess { sessions { id } }
    ... on RegenerateSessionsError { code message }
  }
}
"""


class GraphQLFailure(Exception):
    """The request was answered with errors; ``code`` is the first one's."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def graphql(base_url: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    if response.status_code != 503:  # a 503 is an outage answered as a GraphQL error (UNAVAILABLE)
        response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise GraphQLFailure(body["errors"][0].get("extensions", {}).get("code", "?"))
    return body


async def create_program(base_url: str, token: str, *, weeks: int, days: int, name: str = "Faults") -> int:
    program_input = {
        "name": name,
        "goal": "HYPERTROPHY",
        "level": "INTERMEDIATE",
        "daysPerWeek": days,
        "weeks": weeks,
        "minutesPerSession": 60,
        "equipment": ["BARBELL", "DUMBBELL", "BENCH", "CABLE", "MACHINE"],
    }
    body = await graphql(base_url, token, CREATE_PROGRAM, {"input": program_input})
    result = body["data"]["createProgram"]
    if "program" not in result:
        raise GraphQLFailure(result["code"])
    return int(result["program"]["id"])


async def regenerate(base_url: str, token: str, program_id: int, session_ids: list[int]) -> list[int]:
    variables = {"programId": str(program_id), "sessionIds": [str(s) for s in session_ids]}
    body = await graphql(base_url, token, REGENERATE, variables)
    result = body["data"]["regenerateSessions"]
    if "sessions" not in result:
        raise GraphQLFailure(result["code"])
    return [int(s["id"]) for s in result["sessions"]]
