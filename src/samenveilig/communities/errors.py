"""The domain error of the communities app.

Services raise ``CommunityError`` with a translated, user-facing message; views show it as a form
or page message (status 200), never as a server error.
"""

from __future__ import annotations


class CommunityError(Exception):
    """A refused action with a message the user can act on.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def __str__(self) -> str:
        return self.message
