"""Who may see which program: the one place ownership is decided.

Coaches and athletes see their own programs; admins see all. Everything a caller may not see is
answered exactly like something that does not exist (``NotFound``), so ids cannot be probed:
found or not, visible or not, the same statements run.
"""

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models import Program, Role, Session, User
from services.errors import ProgramNotFound, SessionNotFound


def visible_programs(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``programs`` limiting rows to those the user may see."""
    if user.role is Role.ADMIN:
        return true()
    return Program.owner_id == user.id


def may_see(user: User, owner_id: int) -> bool:
    """Whether ``user`` may see a program owned by ``owner_id``."""
    return user.role is Role.ADMIN or owner_id == user.id


def can_see(user: User, program: Program) -> bool:
    return may_see(user, program.owner_id)


async def visible_program(
    db: AsyncSession, user: User, program_id: int, *, field: str = "programId"
) -> Program:
    """The program if the user may see it; else ``ProgramNotFound`` on ``field`` (the argument
    that named it)."""
    program = await db.get(Program, program_id)
    if program is None or not can_see(user, program):
        raise ProgramNotFound(program_id, field=field)
    return program


async def visible_session(
    db: AsyncSession, user: User, session_id: int, *, field: str = "sessionId"
) -> Session:
    """The session if the user may see its program, read in one statement whichever the case;
    else ``SessionNotFound`` on ``field``."""
    session = await db.scalar(
        select(Session)
        .join(Program, Program.id == Session.program_id)
        .where(Session.id == session_id, visible_programs(user))
    )
    if session is None:
        raise SessionNotFound(session_id, field=field)
    return session
