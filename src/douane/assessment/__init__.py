"""Assessment (liquidation): the pure computation of customs value, duties and taxes."""
