"""Shared building blocks every bounded context may import: money, time, errors."""
