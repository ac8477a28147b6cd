"""Targeting: the fields rules read, rules and their versions, value indicators, notices, backtests."""
