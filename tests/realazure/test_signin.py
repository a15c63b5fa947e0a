"""Azure sign-in: a tenant that DefaultAzureCredential takes, sovereign clouds, and every
connect-time failure refused (exit 3, nothing changed) with its reason and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.credentials import (
    CLOUDS,
    TenantCredential,
    azure_credential,
    connect_refusal,
    sign_in,
)
from drillkit.errors import PreflightRefused
from drillkit.exitcodes import ExitCode
from tests.realazure.netless import run_netless

TENANT = "22222222-2222-2222-2222-222222222222"
SNIPPET = """
from drillkit.adapters.credentials import azure_credential, sign_in
from drillkit.errors import PreflightRefused
credential = azure_credential({tenant!r}, {cloud!r})
try:
    sign_in(credential, {cloud!r})
except PreflightRefused as e:
    print("EXIT", int(e.exit_code))
    print("REFUSED", e)
"""


class _Recorder:
    """A TokenCredential that records what it was asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.calls.append((scopes, kwargs))
        return ("token", 0)


def test_a_tenant_id_builds_a_credential_instead_of_a_type_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Problem 1: environment.azure.tenantId no longer reaches DefaultAzureCredential(tenant_id=),
    which raises "TypeError: 'tenant_id' is not supported in DefaultAzureCredential"."""
    from azure.identity import DefaultAzureCredential

    with pytest.raises(TypeError, match="tenant_id"):
        DefaultAzureCredential(tenant_id=TENANT)  # what round 1 did
    monkeypatch.delenv("AZURE_TENANT_ID", raising=False)
    credential = azure_credential(TENANT)
    assert isinstance(credential, TenantCredential) and credential.tenant_id == TENANT


def test_every_token_is_asked_for_in_the_drill_s_tenant() -> None:
    """Each token request carries the drill's tenant, which the chained credentials accept
    because it is in additionally_allowed_tenants (az login: --tenant)."""
    inner = _Recorder()
    TenantCredential(inner, TENANT).get_token(CLOUDS["AzureCloud"].scope)
    assert inner.calls == [(("https://management.azure.com/.default",), {"tenant_id": TENANT})]


def test_sovereign_clouds_have_their_own_authority_arm_and_scope() -> None:
    """Problem 3: AzureChinaCloud and AzureUSGovernment sign in and call ARM in their cloud."""
    china, gov = CLOUDS["AzureChinaCloud"], CLOUDS["AzureUSGovernment"]
    assert (china.authority, china.arm_url, china.scope) == (
        "login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/",
        "https://management.chinacloudapi.cn/.default",
    )
    assert (gov.authority, gov.scope) == (
        "login.microsoftonline.us",
        "https://management.usgovcloudapi.net/.default",
    )


def test_a_china_cloud_sign_in_goes_to_the_china_authority_and_is_refused(
    tmp_path: Path,
) -> None:
    """With no network, a service-principal sign-in for AzureChinaCloud asks
    login.chinacloudapi.cn and the failure is a refusal (exit 3) naming name resolution."""
    env = {
        "AZURE_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
        "AZURE_CLIENT_SECRET": "not-a-secret",
        "AZURE_TENANT_ID": TENANT,
    }
    out = run_netless(SNIPPET.format(tenant=TENANT, cloud="AzureChinaCloud"), env, tmp_path)
    assert f"EXIT {int(ExitCode.PREFLIGHT_REFUSED)}" in out, out
    refused = next(line for line in out.splitlines() if line.startswith("REFUSED"))
    assert "login.chinacloudapi.cn" in refused and "did not resolve" in refused, refused
    assert refused.endswith("nothing was changed")


def test_no_sign_in_at_all_is_a_refusal_with_the_fix(tmp_path: Path) -> None:
    """Problem 2: with no az login and no identity, the run stops before any read with exit 3,
    one line of reason and the fix (az login or workload identity), not exit 4."""
    out = run_netless(SNIPPET.format(tenant=None, cloud="AzureCloud"), {}, tmp_path)
    assert f"EXIT {int(ExitCode.PREFLIGHT_REFUSED)}" in out, out
    refused = next(line for line in out.splitlines() if line.startswith("REFUSED"))
    assert "az login" in refused and "AZURE_FEDERATED_TOKEN_FILE" in refused
    assert "\n" not in refused and refused.endswith("nothing was changed")


def test_a_refused_authorization_names_the_role() -> None:
    """A 403 from ARM while connecting names the read permission that is missing."""
    from azure.core.exceptions import HttpResponseError

    error = HttpResponseError(message="AuthorizationFailed: no read")
    error.status_code = 403
    refusal = connect_refusal("read Traffic Manager profile storefront", error)
    assert refusal.exit_code == ExitCode.PREFLIGHT_REFUSED
    assert "Microsoft.Network/trafficManagerProfiles/read" in str(refusal)


def test_a_tls_failure_names_the_ca_bundle() -> None:
    """A TLS failure (a proxy that inspects TLS) says how to trust its CA."""
    import ssl

    from azure.core.exceptions import ServiceRequestError

    error = ServiceRequestError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error.__cause__ = ssl.SSLError("CERTIFICATE_VERIFY_FAILED")
    assert "REQUESTS_CA_BUNDLE" in str(connect_refusal("reach ARM", error))


def test_sign_in_failures_of_a_custom_credential_are_refusals() -> None:
    """sign_in turns whatever a credential raises into one PreflightRefused."""
    from azure.core.exceptions import ClientAuthenticationError

    class Broken:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ClientAuthenticationError("AADSTS700016: application not found")

    with pytest.raises(PreflightRefused, match=r"AADSTS700016.*az login"):
        sign_in(Broken())
