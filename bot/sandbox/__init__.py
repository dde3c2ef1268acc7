"""Local emulations of the chat platforms, speaking their real wire formats.

They are the sandbox a newcomer tries the bot in and the ground of the end-to-end tests:
the real SDKs are pointed at them through their own URL settings.
"""
