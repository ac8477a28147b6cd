"""Officer actions over HTTP (take for control, record control, confirm assessment, release, invalidation).

PLACEHOLDER: the officer-side helper fills this router; `declarations.api` includes it.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
