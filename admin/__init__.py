"""Operator surfaces: the `collecte` CLI, the HTTP admin API and pages; the composition root."""
