"""JSON request bodies known free of control characters, so that the input models need not look for them.

A control character can stand in a JSON string only escaped (`\\u0000` to `\\u001f`, `\\b`, `\\f`,
`\\r`; a raw one is refused by the parser), so a body in which no such escape appears holds none.
`CheckedBodyRoute` looks for them in the raw body before FastAPI validates it and says what it found in
`texts_are_clean`; the models that drop control characters (`declarations.schemas`) skip their walk over
every text field when the body had none. A match that is not one (an escaped backslash before a `b`) only
makes them walk as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

CONTROL_ESCAPE = re.compile(rb"\\(?:u00[01][0-9A-Fa-f]|[bfr])")
texts_are_clean: ContextVar[bool] = ContextVar("texts_are_clean", default=False)


class CheckedBodyRoute(APIRoute):
    """A route whose JSON body is looked over for control characters before it is validated."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def checked(request: Request) -> Response:
            body = await request.body()  # kept on the request: the handler reads the same bytes
            token = texts_are_clean.set(CONTROL_ESCAPE.search(body) is None)
            try:
                return await handle(request)
            finally:
                texts_are_clean.reset(token)

        return checked
