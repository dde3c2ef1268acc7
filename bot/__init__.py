"""Connects: settings, the aiohttp server and its webhooks, the chat channels, the delivery
worker, the command line, and the local sandbox platforms."""
