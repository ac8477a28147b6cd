"""douane: a customs management information system."""

__version__ = "0.1.0"
