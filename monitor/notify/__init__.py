"""Alerts on their way out: an item's fate, the words of an assessment (alert message, `monitor score`
text and JSON), verdict links, channels, routing, the outbox and its delivery, digests and silences."""
