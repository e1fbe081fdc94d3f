"""Thin channel adapters (websocket, REST, terminal). No dialogue logic lives here."""
