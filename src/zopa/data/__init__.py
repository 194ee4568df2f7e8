"""Bundled data: the reference scenario."""
