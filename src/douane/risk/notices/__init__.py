"""Targeting notices: an operator, consignment, container or vehicle flagged for control by a service."""
