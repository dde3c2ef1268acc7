"""Conversation flows. Importing this package registers every step in ``handlers.turn.STEPS``."""
from handlers.flows import grievance, menu, status  # noqa: F401  (registration)

__all__ = ["grievance", "menu", "status"]
