"""Shared kernel at the bottom of every layer: the project's root error class, importing nothing else."""
