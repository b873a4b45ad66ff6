"""Who may see which program: the one place ownership is decided.

Coaches and athletes see their own programs; admins see all. Everything a caller may not see is
answered exactly like something that does not exist (``NotFound``), so ids cannot be probed.
"""

from sqlalchemy import ColumnElement, true
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


async def visible_program(db: AsyncSession, user: User, program_id: int) -> Program:
    program = await db.get(Program, program_id)
    if program is None or not can_see(user, program):
        raise ProgramNotFound(program_id)
    return program


async def visible_session(db: AsyncSession, user: User, session_id: int) -> Session:
    session = await db.get(Session, session_id)
    if session is None:
        raise SessionNotFound(session_id)
    program = await db.get(Program, session.program_id)
    if program is None or not can_see(user, program):
        raise SessionNotFound(session_id)
    return session
