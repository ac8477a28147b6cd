"""Cross-cutting HTTP pieces: problem+json errors, request context, pagination, auth guards."""
