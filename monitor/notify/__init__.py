"""Alerts: the message, the channels, and delivery from the outbox through apprise."""
