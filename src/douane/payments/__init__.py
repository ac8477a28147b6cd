"""Payments at the collection office: amounts due, payments, receipts, guarantees."""
