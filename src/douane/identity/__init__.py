"""Identity: users, roles, permissions, bearer tokens, API keys, security events."""
