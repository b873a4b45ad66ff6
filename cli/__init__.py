"""The commands of ``liftplan`` (``main.py``), one module per concern."""
