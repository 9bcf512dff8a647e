"""Tests of the purchases package."""
