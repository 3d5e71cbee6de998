"""Configuration files: YAML read with errors that name file and line, and the field types and
durations every settings and data file shares. Imports nothing else of the package but errors."""
