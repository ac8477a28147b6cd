"""PLACEHOLDER: replaced by the context's helper."""
