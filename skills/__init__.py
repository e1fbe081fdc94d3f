"""Vita's skills, one folder each. A skill knows nothing of websockets or terminals."""
