"""The session engine (``SESSION_ENGINE``): Django's database sessions, with the signed-in user's id
in a column of its own (``accounts.Session.user``).

Two things follow. A request reads its session and its user in one query: the session is read with
its user joined, and ``AuthenticationMiddleware`` hands that user to Django's own ``auth.get_user``
(which still checks the account is active and the session's password hash), where it would
otherwise have run a second query — every signed-in request pays it, and at a reporting deadline 200
submits arrive together (docs/reporting.md). And ending someone's sessions (an account disabled, its
last role revoked) deletes them by user instead of decoding every session there is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:
    from kesu.accounts.models import Session, User

# The session store whose user ``auth.get_user`` is asking for, while it asks (see ``user_of``).
_asking: ContextVar[SessionStore | None] = ContextVar("kesu_session_asking", default=None)


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.user: User | None = None  # read with the session; None: no one signed in, or not read yet

    @classmethod
    def get_model_class(cls) -> type[Session]:
        from kesu.accounts.models import Session

        return Session

    def _get_session_from_db(self) -> Session | None:
        # Django's own read is ``objects.get(...)`` through the ORM; this is the same query, written out
        # (``SessionManager.unexpired_with_user``: every signed-in request pays for it).
        key = self.session_key
        session = self.get_model_class().objects.unexpired_with_user(key) if key else None
        if session is None:
            self._session_key = None  # as Django's: a key that found nothing is not saved back
        self.user = session.user if session is not None else None
        return session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session: Session = super().create_model_instance(data)  # type: ignore[assignment]
        user_id = data.get(SESSION_KEY)
        session.user_id = int(user_id) if user_id else None
        return session


def preloaded_user(user_id: Any) -> User | None:
    """The user the session being asked about was read with, if it is ``user_id`` (for the backend's
    ``get_user``); None: read the user as usual."""
    store = _asking.get()
    user = store.user if store is not None else None
    return user if user is not None and str(user.pk) == str(user_id) else None


@contextmanager
def _asking_about(store: Any) -> Iterator[None]:
    token = _asking.set(store if isinstance(store, SessionStore) else None)
    try:
        yield
    finally:
        _asking.reset(token)


def user_of(request: HttpRequest) -> User | AnonymousUser:
    """Django's ``auth.get_user``, given the user this request's session was read with."""
    if not hasattr(request, "_cached_user"):
        with _asking_about(request.session):
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with ``request.user`` from ``user_of``."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: user_of(request))  # type: ignore[assignment]
