"""The one family of client errors: the only exceptions that become a 4xx.

Everything a client can get wrong — a malformed envelope, a bad query, a lifecycle
action that does not apply, bad credentials, a body too large — is raised as a
``ClientError`` (or a subclass) carrying its HTTP status and a message the client
can act on. Anything else that escapes a view is ErrorHub's own bug: a 500,
counted and reported, never dressed up as the client's mistake.
"""

from __future__ import annotations


class ClientError(Exception):
    """A request the client must change before it can succeed.

    ``status`` is the HTTP status to answer (4xx); ``message`` says what was
    wrong in words the sender can act on; ``headers`` are added to the answer
    (``Retry-After`` on a 429, ``Allow`` on a 405).
    """

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if not 400 <= self.status < 500:
            raise ValueError(f"a client error answers 4xx, not {self.status}")
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return self.message
