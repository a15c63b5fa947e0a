"""Credentials for Azure Resource Manager: DefaultAzureCredential for real Azure, a static
bearer token for the sandbox twin."""

from __future__ import annotations

import time
from typing import Any


class StaticTokenCredential:
    """An azure-core ``TokenCredential`` that always returns one token (the twin's)."""

    def __init__(self, token: str, lifetime_s: int = 3600) -> None:
        self._token = token
        self._lifetime_s = lifetime_s

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + self._lifetime_s)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + self._lifetime_s)

    def __repr__(self) -> str:
        return "StaticTokenCredential([redacted])"


def azure_credential(tenant_id: str | None = None) -> Any:
    """DefaultAzureCredential: environment, workload identity, managed identity, az login."""
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {}
    if tenant_id:
        kwargs["additionally_allowed_tenants"] = [tenant_id]
        kwargs["tenant_id"] = tenant_id
    return DefaultAzureCredential(**kwargs)
