"""The commands of ``main.py``, one module per concern."""
