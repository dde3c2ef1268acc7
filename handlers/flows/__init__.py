"""Conversation flows. Importing this package registers every step in ``handlers.turn.STEPS``."""
from handlers.flows import followup, grievance, menu, officer, report, status  # noqa: F401

__all__ = ["followup", "grievance", "menu", "officer", "report", "status"]
