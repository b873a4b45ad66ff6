"""What every resolver may use, built per request (or per WebSocket connection)."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info

from core.settings import Settings
from models import User
from resolvers.dataloaders import Loaders
from services.access.subscription_limits import SubscriptionLimiter
from services.errors import DomainError, Unauthenticated
from services.live.status_hub import StatusHub
from services.unit_of_work import UnitOfWorkFactory


class LiveSubscriptions(Protocol):
    """Serves a subscription running on one of our sockets from the group of its identical
    subscriptions (``web.live_groups``); False when it cannot (the resolver serves it itself)."""

    async def serve_status_events(self, info: Any, program_id: int, after: int | None) -> bool: ...

    async def serve_progress(self, info: Any, program_id: int) -> bool: ...


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    loaders: Loaders
    redis: Redis
    units: UnitOfWorkFactory
    hub: StatusHub
    subscriptions: SubscriptionLimiter
    user: User | None = None
    # Why the token could not be checked (the database is unreachable), if it could not.
    auth_error: DomainError | None = None
    # Over a WebSocket: the socket's entry in the process's registry (its token is re-checked).
    socket: Any = None
    # Over a WebSocket: the process's groups of live subscriptions.
    live: LiveSubscriptions | None = None
    # Filled by Strawberry with the WebSocket ``connection_init`` payload.
    connection_params: dict[str, Any] = field(default_factory=dict)

    def require_user(self) -> User:
        if self.auth_error is not None:
            raise self.auth_error
        if self.user is None:
            raise Unauthenticated()
        return self.user


GraphQLInfo = Info[Context, None]
