"""Engine and session factory. Built once per process (or per test) and passed on explicitly."""

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_database_url(url: str) -> str:
    """Accept ``postgresql://`` or ``postgres://`` URLs and point them at the asyncpg driver."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    idle_in_transaction_timeout_s: float | None = None,
    pre_ping: bool = True,
) -> AsyncEngine:
    """``idle_in_transaction_timeout_s``: PostgreSQL ends a session whose transaction sits idle this
    long, so a frozen process (SIGSTOP, a paused VM) cannot hold its row locks for ever.

    ``pre_ping`` tests every connection taken from the pool with a round trip first, so a request
    after a database restart gets a fresh connection instead of an error. Callers that retry a
    lost connection anyway (the worker's jobs) can skip it: on the first dead connection
    SQLAlchemy discards the whole pool."""
    server_settings = {}
    if idle_in_transaction_timeout_s is not None:
        timeout_ms = int(idle_in_transaction_timeout_s * 1000)
        server_settings["idle_in_transaction_session_timeout"] = str(timeout_ms)
    return create_async_engine(
        async_database_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={"server_settings": server_settings} if server_settings else {},
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
