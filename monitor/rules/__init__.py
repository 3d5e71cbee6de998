"""Rules: the YAML schema, compiled conditions, the loader and the example runner."""
