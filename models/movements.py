from sqlalchemy import BigInteger, Boolean, Identity, String, Text
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
