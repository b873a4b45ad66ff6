"""Domain exceptions. Each carries a stable ``code`` that the API layer maps to its error types."""


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"


class SessionNotFound(NotFound):
    def __init__(self, session_id: int, *, field: str = "sessionId") -> None:
        super().__init__(f"session {session_id} does not exist", field=field)
        self.session_id = session_id


class ProgramNotFound(NotFound):
    def __init__(self, program_id: int, *, field: str = "programId") -> None:
        super().__init__(f"program {program_id} does not exist", field=field)
        self.program_id = program_id


class MicrocycleNotFound(NotFound):
    def __init__(self, microcycle_id: int) -> None:
        super().__init__(f"microcycle {microcycle_id} does not exist", field="microcycleId")
        self.microcycle_id = microcycle_id


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} does not exist", field="ownerId")
        self.user_id = user_id


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class Unauthenticated(DomainError):
    """No valid API token came with the request: the caller is unknown."""

    code = "UNAUTHENTICATED"

    def __init__(self) -> None:
        super().__init__("a valid API token is required (Authorization: Bearer <token>)")


class Forbidden(DomainError):
    """The caller is known but may not do this at all (whatever the object)."""

    code = "FORBIDDEN"


class Unavailable(DomainError):
    """PostgreSQL or Redis did not answer: nothing was decided, the caller may simply retry."""

    code = "UNAVAILABLE"
    retry_after_s = 2

    def __init__(self, message: str = "the service is briefly unavailable; retry in a few seconds") -> None:
        super().__init__(message)
