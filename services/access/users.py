"""Users and their API tokens. Only a SHA-256 digest of a token is stored: tokens are 256-bit
random strings, so an unkeyed digest cannot be reversed or guessed, and no server secret is
needed to check one."""

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User
from services.errors import InvalidInput, NotFound
from services.text_input import storable_text

TOKEN_PREFIX = "lp_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(db: AsyncSession, email: str, display_name: str, role: Role) -> tuple[User, str]:
    """Create a user with a fresh token; the token is returned once and never stored."""
    email = storable_text(email, "email").strip().lower()
    display_name = storable_text(display_name, "name")
    if "@" not in email or len(email) > 320:
        raise InvalidInput(f"not an email address: {email!r}", field="email")
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(f"a user with email {email} exists already", field="email")
    token = new_token()
    user = User(
        email=email, display_name=display_name.strip() or email, role=role, api_token_hash=hash_token(token)
    )
    db.add(user)
    await db.flush()
    return user, token


async def user_for_token(db: AsyncSession, token: str) -> User | None:
    """The user holding this token, or None for an unknown or revoked one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return await db.scalar(select(User).where(User.api_token_hash == hash_token(token)))


async def _by_email(db: AsyncSession, email: str) -> User:
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with email {email}", field="email")
    return user


async def rotate_token(db: AsyncSession, email: str) -> str:
    user = await _by_email(db, email)
    token = new_token()
    user.api_token_hash = hash_token(token)
    await db.flush()
    return token


async def revoke_token(db: AsyncSession, email: str) -> None:
    user = await _by_email(db, email)
    user.api_token_hash = None
    await db.flush()


async def token_hashes(db: AsyncSession, user_ids: Iterable[int]) -> dict[int, str | None]:
    """Each user's current token digest (None when revoked); users that are gone are absent."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.api_token_hash).where(User.id.in_(ids)))
    return {user_id: digest for user_id, digest in rows.all()}
