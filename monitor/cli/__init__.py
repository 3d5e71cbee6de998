"""The `monitor` command: a thin layer that parses arguments, builds objects through the daemon's
wiring and prints; one module per command group."""
