"""Audit trail: every state change and every security event, append-only."""
