"""The signed-in user of a dashboard request, from the API's session cookie.

The API owns sessions, roles and CSRF (``burdenshare.api``); the dashboard only asks who is
signed in and whether the role allows an action, so the role matrix has one home.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request


def user_of(request: Request) -> Any:
    """The user signed in on ``request`` or None (no API auth mounted means nobody)."""
    return None
