"""A scenario compiled once into numbers: per-issue tables, the no-deal scalars, deal values."""
