"""Demo data written by the project: offices, tariff lines, operators, brokers, officers, users."""
