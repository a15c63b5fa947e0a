"""HTTP checks with httpx: the answered target, with the profile's name as Host (and SNI)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog

from drillkit.adapters.errors import short
from drillkit.adapters.ports import HttpResult, IngressAddress, Target

_log = structlog.get_logger()


class HttpxProbe:
    """``HttpProbe`` sharing one connection pool; ``overrides`` maps hosts to loopback addresses."""

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        overrides: Mapping[str, IngressAddress] | None = None,
        verify: bool | str = True,
        max_connections: int = 400,
    ) -> None:
        import httpx

        self._overrides = {k.lower().rstrip("."): v for k, v in (overrides or {}).items()}
        self._client = httpx.AsyncClient(
            timeout=timeout_s,
            follow_redirects=False,
            verify=verify,
            limits=httpx.Limits(max_connections=max_connections),
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def url_for(self, target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The URL to request, its headers and its httpx extensions."""
        if target.url:
            return self._through(target.url, target.target)
        host = target.target.lower().rstrip(".")
        headers = {"Host": target.host_header} if target.host_header else {}
        override = self._overrides.get(host)
        if override is not None:
            url = f"{override.scheme}://{override.address}:{override.port}{target.path}"
            return url, headers, {}
        extensions = {"sni_hostname": target.host_header} if target.host_header else {}
        return f"https://{host}{target.path}", headers, extensions

    def _through(self, url: str, answered: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """``observe.http.url`` exactly as written (scheme, port, path, query), sent to the
        answered target with the URL's host as Host and as TLS server name (SNI). No answered
        target: the URL itself."""
        parts = urlsplit(url)
        host = (answered or "").lower().rstrip(".")
        if not host or host == (parts.hostname or "").lower():
            return url, {}, {}
        headers = {"Host": parts.netloc.rpartition("@")[2]}
        override = self._overrides.get(host)
        if override is not None:
            netloc = f"{_bracket(override.address)}:{override.port}"
            return (
                urlunsplit((override.scheme, netloc, parts.path or "/", parts.query, "")),
                headers,
                {},
            )
        netloc = _bracket(host) + (f":{parts.port}" if parts.port else "")
        rebuilt = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        return rebuilt, headers, extensions

    async def check(self, target: Target) -> HttpResult:
        import httpx

        url, headers, extensions = self.url_for(target)
        started = time.monotonic()
        try:
            response = await self._client.get(url, headers=headers, extensions=extensions)
        except httpx.HTTPError as e:
            error = short(f"{type(e).__name__}: {e}")
            _log.debug("http.check", url=url, error=error)
            return HttpResult(None, time.monotonic() - started, error)
        latency = time.monotonic() - started
        _log.debug("http.check", url=url, status=response.status_code, latency_s=round(latency, 4))
        return HttpResult(response.status_code, latency)


def _bracket(host: str) -> str:
    """An IPv6 address in brackets, as a URL needs it."""
    return f"[{host}]" if ":" in host else host
