"""Credentials for Azure Resource Manager: DefaultAzureCredential pinned to a tenant and a cloud
for real Azure, a static bearer token for the sandbox twin, and the sign-in check that turns
every connect-time failure into a refusal that says how to fix it."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

from drillkit.adapters.errors import short
from drillkit.errors import PreflightRefused


@dataclass(frozen=True, slots=True)
class AzureCloud:
    """One Azure cloud: where to sign in, where ARM is, and the token scope for ARM."""

    name: str
    authority: str
    arm_url: str

    @property
    def scope(self) -> str:
        return self.arm_url.rstrip("/") + "/.default"


# azure.identity.AzureAuthorityHosts and the clouds of `az cloud list`.
CLOUDS = {
    "AzureCloud": AzureCloud(
        "AzureCloud", "login.microsoftonline.com", "https://management.azure.com/"
    ),
    "AzureChinaCloud": AzureCloud(
        "AzureChinaCloud", "login.chinacloudapi.cn", "https://management.chinacloudapi.cn/"
    ),
    "AzureUSGovernment": AzureCloud(
        "AzureUSGovernment", "login.microsoftonline.us", "https://management.usgovcloudapi.net/"
    ),
}

SIGN_IN_FIX = (
    "sign in with `az login` (add `--tenant TENANT` for another tenant; `az cloud set` for a "
    "sovereign cloud), or in a pipeline or pod set workload identity (AZURE_CLIENT_ID, "
    "AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)"
)
READ_ROLE_FIX = (
    "grant the identity Microsoft.Network/trafficManagerProfiles/read on the profile's resource "
    "group (the Reader role; Traffic Manager Contributor for a disable-endpoint drill)"
)


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


class TenantCredential:
    """Asks ``inner`` for every token in ``tenant_id``: azure-identity's per-request tenant
    (``get_token(..., tenant_id=)``), which each chained credential honours when the tenant is
    its own or in its ``additionally_allowed_tenants`` (az login: ``--tenant``)."""

    def __init__(self, inner: Any, tenant_id: str) -> None:
        self._inner = inner
        self.tenant_id = tenant_id

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        kwargs.setdefault("tenant_id", self.tenant_id)
        return self._inner.get_token(*scopes, **kwargs)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        merged = dict(options or {})
        merged.setdefault("tenant_id", self.tenant_id)
        return self._inner.get_token_info(*scopes, options=merged)

    def close(self) -> None:
        closer = getattr(self._inner, "close", None)
        if closer is not None:
            closer()

    def __repr__(self) -> str:
        return f"TenantCredential({self._inner!r}, tenant={self.tenant_id})"


def cloud(name: str | None) -> AzureCloud:
    """The cloud named by ``environment.azure.cloud`` (default AzureCloud)."""
    try:
        return CLOUDS[name or "AzureCloud"]
    except KeyError:
        raise PreflightRefused(
            f"unknown Azure cloud {name!r}; use one of {', '.join(CLOUDS)}; nothing was changed"
        ) from None


def azure_credential(tenant_id: str | None = None, cloud_name: str | None = None) -> Any:
    """DefaultAzureCredential (environment, workload identity, managed identity, az login) for
    ``cloud_name``, pinned to ``tenant_id`` when one is given.

    DefaultAzureCredential refuses ``tenant_id`` (TypeError); its chained credentials take the
    tenant through their own parameters (``workload_identity_tenant_id``,
    ``interactive_browser_tenant_id``, ``shared_cache_tenant_id``,
    ``visual_studio_code_tenant_id``) and accept a per-request tenant listed in
    ``additionally_allowed_tenants``, which :class:`TenantCredential` sends."""
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {"authority": cloud(cloud_name).authority}
    if tenant_id:
        kwargs.update(
            additionally_allowed_tenants=[tenant_id],
            workload_identity_tenant_id=tenant_id,
            interactive_browser_tenant_id=tenant_id,
            shared_cache_tenant_id=tenant_id,
            visual_studio_code_tenant_id=tenant_id,
        )
    credential = DefaultAzureCredential(**kwargs)
    return TenantCredential(credential, tenant_id) if tenant_id else credential


def sign_in(credential: Any, cloud_name: str | None = None) -> None:
    """Obtain one ARM token now, so that a missing sign-in is a refusal before anything else."""
    import logging

    chatty = logging.getLogger("azure.identity")
    level = chatty.level
    chatty.setLevel(logging.CRITICAL)  # the refusal below says it in one line
    try:
        credential.get_token(cloud(cloud_name).scope)
    except PreflightRefused:
        raise
    except Exception as e:
        raise connect_refusal(f"sign in to {cloud(cloud_name).name}", e) from e
    finally:
        chatty.setLevel(level)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def connect_refusal(what: str, error: BaseException) -> PreflightRefused:
    """The refusal for a failure while connecting (credential, authorization, name resolution,
    TLS): the reason in one line, then the fix, and that nothing was changed."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    chain = _causes(error)
    text = str(getattr(error, "message", None) or error)
    reason = short(_reason(text), 400)
    if any(isinstance(c, socket.gaierror) for c in chain) or any(
        marker in text for marker in _UNRESOLVED
    ):
        fix = "the host name did not resolve: check DNS, the proxy (HTTPS_PROXY) and the cloud"
    elif any(isinstance(c, ssl.SSLError) for c in chain) or "CERTIFICATE_VERIFY" in str(error):
        fix = (
            "TLS failed: a proxy that inspects TLS needs its CA in REQUESTS_CA_BUNDLE "
            "(or SSL_CERT_FILE)"
        )
    elif isinstance(error, ClientAuthenticationError) and not getattr(error, "status_code", None):
        fix = SIGN_IN_FIX
    elif isinstance(error, HttpResponseError) and error.status_code in (401, 403):
        fix = SIGN_IN_FIX if error.status_code == 401 else READ_ROLE_FIX
    elif isinstance(error, ClientAuthenticationError):
        fix = SIGN_IN_FIX
    else:
        fix = "check the network path to Azure and the drill's environment.azure section"
    return PreflightRefused(
        f"cannot {what}: {reason or type(error).__name__}; {fix}; nothing was changed"
    )


_UNRESOLVED = ("Failed to resolve", "Name or service not known", "name resolution", "getaddrinfo")


def _reason(text: str) -> str:
    """One line: DefaultAzureCredential's attempt that actually failed, or the list of what it
    tried when none was available; else the message's first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    attempts = [line for line in lines if line.split(" ", 1)[0].endswith("Credential:")]
    telling = [line for line in attempts if any(m in line for m in _TELLING)]
    if telling:
        return telling[0]
    if attempts:
        tried = ", ".join(line.split(":", 1)[0] for line in attempts)
        return f"no credential was available (tried {tried})"
    return lines[0] if lines else ""


_TELLING = ("Authentication failed", "AADSTS", "resolve", "401", "403", "SSL", "expired")
