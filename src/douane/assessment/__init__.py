"""Assessment (liquidation): the pure computation of customs value, duties and taxes.

Public face for other contexts:
- `douane.assessment.model`: `AssessmentInput`, `ItemInput`, `assess(input) -> Assessment`,
  `Assessment` (`to_dict()` / `from_dict()` for storage, `to_readable_dict()` with the texts written out),
  `readable(stored)` (a stored breakdown as readers see it), `ItemAssessment`, `TaxLine`, `AssessmentError`.
- `douane.assessment.texts`: the sentences of a breakdown, written from its figures.
- `douane.assessment.service`: `assessment_input_at(session, on, ...)` and `assess_at(session, on, ...)`,
  which look up measures, tax types and exchange rates in force on the registration date.
"""
