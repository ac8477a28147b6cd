"""Registry: customs offices, economic operators, customs brokers, staff and their postings."""
