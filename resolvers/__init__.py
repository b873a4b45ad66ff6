"""Thin resolver functions: read arguments and context, call one service, return rows."""
