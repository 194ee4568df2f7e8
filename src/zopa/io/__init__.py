"""Readers of other tools' formats, the scenario writer, and the output contract."""
