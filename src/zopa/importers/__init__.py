"""Importers: read other tools' data formats into zopa scenarios or model inputs."""
