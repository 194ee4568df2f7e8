"""The analyses re-run under varied numbers: Monte Carlo, leverage, sweeps, forecast spread."""
