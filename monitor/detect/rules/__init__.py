"""The rule language: YAML schema, conditions, lexicons, regex safety checks, the validators a pack is
held to, the loader, and the compiled, frozen rule set that scoring runs."""
