"""Reference data: HS nomenclature, national tariff lines and tax measures, exchange rates, countries."""
