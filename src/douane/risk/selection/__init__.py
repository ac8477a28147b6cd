"""Selectivity with risk management: notices, targeting rules, the model score, exploration and capacity."""
