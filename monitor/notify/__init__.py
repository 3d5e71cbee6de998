"""Alerts: the words of an assessment (the alert message, `monitor score` text and JSON), the channels,
routing, the outbox and its delivery through apprise, digests and silences."""
