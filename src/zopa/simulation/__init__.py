"""Rounds of talks: protocols, strategies, shocks between rounds, implementation of a deal."""
