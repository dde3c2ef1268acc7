"""Files shipped with the bot: the LINE rich menu image (drawn once, 2500×843)."""
