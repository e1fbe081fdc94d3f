"""Greetings, help, thanks, goodbyes, start-over and the friendly fallback."""
