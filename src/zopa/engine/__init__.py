"""The outcome-space engine: compiled spaces, frontiers, zone scans and solutions."""
