"""The embedded demo: library, a demo user whose token GraphiQL is pre-filled with, a program."""

import datetime as dt
import os
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from cli.runtime import Clients
from models import Equipment, GenerationStatus, Goal, Level, Program, Role, User
from services.access.users import create_user, rotate_token, user_for_token
from services.library.movement_library import seed_movement_library
from services.programs.creation import ProgramSpec, create_program
from services.programs.reads import program_session_ids

DEMO_EMAIL = "demo@liftplan.local"
DEMO_TOKEN_FILE = "demo-token"


class Demo(NamedTuple):
    token: str
    """The demo user's API token, pre-filled in the page and GraphiQL."""
    program_id: int
    """The demo user's program, the one GraphiQL's first tab views."""


async def prepare_demo(clients: Clients, data_dir: Path) -> Demo:
    """Seed the library, make sure the demo user and program exist, enqueue what is pending,
    and return the demo token (kept in the data folder, readable by its owner only) and program."""
    token_path = data_dir / DEMO_TOKEN_FILE
    async with clients.units() as uow:
        db = uow.db
        await seed_movement_library(db)
        user = await db.scalar(select(User).where(User.email == DEMO_EMAIL))
        token = token_path.read_text().strip() if token_path.exists() else ""
        if user is None:
            user, token = await create_user(db, DEMO_EMAIL, "Demo Athlete", Role.ADMIN)
        elif not token or await user_for_token(db, token) is None:
            token = await rotate_token(db, DEMO_EMAIL)
        program = await db.scalar(select(Program).where(Program.owner_id == user.id).limit(1))
        if program is None:
            program = await create_program(
                uow,
                ProgramSpec(
                    owner_id=user.id,
                    name="Demo: 12-week hypertrophy, 4 days, full gym",
                    goal=Goal.HYPERTROPHY,
                    level=Level.INTERMEDIATE,
                    days_per_week=4,
                    weeks=12,
                    minutes_per_session=60,
                    equipment=frozenset(Equipment),
                    start_date=dt.date.today(),
                ),
            )
    fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token)
    # A program left unfinished by the last run (stopped mid-generation) is queued again.
    async with clients.factory() as db:
        unfinished = await program_session_ids(
            db, program.id, [GenerationStatus.PENDING, GenerationStatus.IN_PROGRESS]
        )
    await clients.queue.enqueue_generation(unfinished)
    return Demo(token, program.id)
