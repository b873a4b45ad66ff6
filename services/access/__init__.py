"""Who is calling and what they may do: users and their API tokens, ownership of programs (the one
place it is decided), and the caps on live subscriptions.

May import: ``models`` and the shared modules.
"""
