"""Decides: what the bot says and does, in neutral types that know no chat platform."""
