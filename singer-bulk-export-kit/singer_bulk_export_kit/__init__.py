"""Shared machinery of this repository's Singer taps (see README.md)."""
