"""Election-interference indicator monitor.

Feeds from official, state-media and news sources -> article text -> YAML rules -> stored
items and alerts delivered through an outbox. Importing this package does nothing; the
`monitor` command (``monitor.cli.main``) builds and wires every object.
"""

__version__ = "0.1.0"
