from sqlalchemy import BigInteger, Boolean, Identity, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, text_enum
from models.enums import Level, Pattern


class Movement(Base):
    """One entry of the movement library that sessions draw their exercises from."""

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    pattern: Mapped[Pattern] = mapped_column(text_enum(Pattern), index=True)
    primary_muscles: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    # Every item is needed to perform the movement (e.g. barbell AND bench).
    equipment: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    level: Mapped[Level] = mapped_column(text_enum(Level, 16))
    is_compound: Mapped[bool] = mapped_column(Boolean)
    is_unilateral: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at = created_at_column()


class MovementLibraryVersion(Base):
    """One row (id 1): a counter bumped by a trigger in every statement that writes ``movements``,
    so anything derived from the library can tell whether it still holds (migration 0004)."""

    __tablename__ = "movement_library_version"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
