"""GraphQL requests on programs as the front end sends them, the input a coach fills in, and a program
created through the API: shared by every test that drives the real app."""

from tests.api_client import Api

CREATE_PROGRAM = """
mutation Create($input: CreateProgramInput!) {
  createProgram(input: $input) {
    __typename
    ... on CreateProgramSuccess {
      program { id name weeks daysPerWeek equipment generationProgress { total pending } }
    }
    ... on CreateProgramError { code message field }
  }
}
"""

PROGRAM_VIEW = """
query ProgramView($id: ID!) {
  program(id: $id) {
    id name goal level
    generationProgress { total pending inProgress complete failed percentComplete finished }
    microcycles {
      index phase isActive
      sessions {
        id dayIndex scheduledDate focus generationStatus generationError
        exercises { position sets repsMin repsMax targetRpe targetPercent1rm restSeconds notes
                    movement { id name pattern equipment } }
      }
    }
  }
}
"""

REGENERATE = """
mutation Regenerate($programId: ID!, $ids: [ID!], $all: Boolean! = false) {
  regenerateSessions(programId: $programId, sessionIds: $ids, includeComplete: $all) {
    __typename
    ... on RegenerateSessionsSuccess { sessions { id generationStatus } }
    ... on RegenerateSessionsError { code message field }
  }
}
"""

PROGRESS = """
subscription Progress($programId: ID!) {
  programGenerationProgress(programId: $programId) { total pending inProgress complete failed finished }
}
"""


def program_input(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Spring block",
        "goal": "STRENGTH",
        "level": "INTERMEDIATE",
        "daysPerWeek": 3,
        "weeks": 4,
        "minutesPerSession": 60,
        "equipment": ["BARBELL", "DUMBBELL", "BENCH", "PULL_UP_BAR"],
        "startDate": "2026-12-07",
    }
    values.update(overrides)
    return values


async def create_program(api: Api, token: str, **overrides: object) -> str:
    body = await api.graphql(CREATE_PROGRAM, {"input": program_input(**overrides)}, token)
    result = body["data"]["createProgram"]
    assert result["__typename"] == "CreateProgramSuccess", body
    return result["program"]["id"]
