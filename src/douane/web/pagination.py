"""Paginated lists: `?page=&page_size=` in, `{items, total, page, page_size}` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def page_of(self, items: list[T], total: int) -> Page[T]:
        return Page(items=items, total=total, page=self.page, page_size=self.page_size)


def page_request(
    page: int = Query(1, ge=1, le=1_000_000, description="Page number, from 1"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE, description="Items per page"),
) -> PageRequest:
    return PageRequest(page, page_size)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
