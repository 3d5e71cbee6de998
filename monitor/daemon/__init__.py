"""The running monitor: settings, where every object is built, one poll of a source, the scheduler,
the rules' hot reload, source health and the HTTP endpoint for verdict links."""
