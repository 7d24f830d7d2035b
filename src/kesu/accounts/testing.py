"""Test helpers of the accounts app: the URL samples the URL walk test uses."""

from __future__ import annotations

from typing import Any


def url_samples(owner_unit: Any, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → the owner's account and one of its API tokens (see tests/test_every_url_respects_scope.py)."""
    from kesu.accounts import actions

    token, _secret = actions.issue_token(owner_user, "样本令牌")
    return {"user_id": owner_user.pk, "token_id": token.pk}
