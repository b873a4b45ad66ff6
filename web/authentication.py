"""Who is calling, for ``/graphql`` (HTTP and WebSocket) and the REST route alike: the bearer token
a request carries and the user holding it."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import User
from services.access.users import user_for_token
from services.adapters.transient_errors import is_transient
from services.errors import Unavailable

BEARER = "bearer "


def bearer_token(value: object) -> str | None:
    """The token in an ``Authorization`` value (``Bearer <token>``, the scheme in any case)."""
    if isinstance(value, str) and value[: len(BEARER)].lower() == BEARER:
        return value[len(BEARER) :].strip()
    return None


async def token_user(session_factory: async_sessionmaker[AsyncSession], token: str | None) -> User | None:
    """The token's user: None without a token or for an unknown or revoked one; ``Unavailable``
    when the database cannot say."""
    if not token:
        return None
    try:
        async with session_factory() as db:
            return await user_for_token(db, token)
    except Exception as exc:
        if is_transient(exc):
            raise Unavailable() from exc
        raise
