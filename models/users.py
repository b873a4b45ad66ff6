from sqlalchemy import BigInteger, Identity, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, text_enum
from models.enums import Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(text_enum(Role, 16))
    # Only a keyed hash of the API token is ever stored; NULL means no valid token.
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at = created_at_column()
