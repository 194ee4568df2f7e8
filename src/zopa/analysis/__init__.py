"""Pure functions of a compiled space: zone, who binds, frontier, solutions, no-deal, conflict."""
