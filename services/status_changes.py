"""What the generator reports after each committed status change, and who may listen."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from models import GenerationStatus


@dataclass(frozen=True, slots=True)
class StatusChange:
    program_id: int
    session_id: int
    status: GenerationStatus
    error: str | None
    attempt: int
    at: dt.datetime


class StatusListener(Protocol):
    """Called after the change is committed, never inside the transaction."""

    async def __call__(self, change: StatusChange) -> None: ...
