"""The scenario language: schema, YAML loading with line numbers, checks, sources."""
