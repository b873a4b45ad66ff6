"""GraphQL types. ``schema.root`` composes them into the one ``Schema``."""
