"""Goods declarations over HTTP (declarant side); officer routes come from control_api."""

from __future__ import annotations

from fastapi import APIRouter

from douane.declarations import control_api

router = APIRouter(prefix="/api/v1", tags=["declarations"])
router.include_router(control_api.router)
