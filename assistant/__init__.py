"""Vita's dialogue engine: types, settings, state, sessions, safety, NLU, routing and channels."""

__version__ = "0.1.0"
