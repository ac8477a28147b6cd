"""PLACEHOLDER: the reference helper replaces this file."""
