"""Analyst pages for targeting rules and value indicators (placeholder until the pages land)."""

from fastapi import APIRouter

router = APIRouter()
