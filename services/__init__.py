"""Business logic. Plain async functions taking an ``AsyncSession`` first; no Strawberry, no arq."""
