"""A Cosmos DB-shaped account over loopback HTTPS, as far as the azure-cosmos SDK's point reads
and writes need it: the database account (``GET /``: readable and writable locations), a
container's properties, its one partition key range (the SDK reads it to file session tokens),
and documents created and read by id with their partition key header, behind AAD bearer auth
(``type=aad&ver=1.0&sig=<token>``).

Each location is its own HTTPS server on 127.0.0.1 (port 0), as each Azure region of an account
has its own endpoint; one more server is the account's global endpoint. Documents replicate
between locations asynchronously through the sandbox's replicated store (its ``replicated``
events are the ground truth). It is not Cosmos DB: one write location accepts writes (a write
elsewhere is refused as Cosmos DB refuses it, 403 with sub-status 3) unless ``multi_write``; no
session tokens, no consistency level is enforced (every read is an eventual read of the local
copy), no queries, no partition key ranges, no throttling.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from aiohttp import web

from drillkit.sandbox.data.settings import DataWorld
from drillkit.sandbox.data.store import ReplicatedStore
from drillkit.sandbox.tls import Authority

WRITE_FORBIDDEN = 3
RANGES_ETAG = '"pkranges-1"'
"""Cosmos DB's sub-status for a write sent to a read-only location."""


@dataclass(frozen=True, slots=True)
class CosmosRequest:
    """One request as the twin saw it (for tests of the SDK's wire behaviour)."""

    location: str
    """The location whose endpoint got it; "" for the global endpoint."""
    method: str
    path: str
    partition_key: str | None
    authorized: bool
    session_token: str | None = None
    """The ``x-ms-session-token`` the SDK sent (Session consistency, after its own writes)."""


@dataclass
class CosmosTwin:
    """One account with ``locations`` (Azure display names, e.g. "East US"); the first of
    ``write_locations`` (default: the first location) is the write region."""

    locations: Sequence[str]
    token: str
    authority: Authority
    database: str = "drillkit"
    container: str = "canary"
    partition_key: str = "/id"
    consistency: str = "Session"
    write_locations: Sequence[str] = ()
    multi_write: bool = False
    data: DataWorld = field(default_factory=DataWorld)
    emit: Callable[[dict[str, Any]], None] | None = None
    requests: list[CosmosRequest] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    """Locations that answer 503 to every request."""
    urls: dict[str, str] = field(default_factory=dict)
    """Endpoint of every location, and of the account under ""."""

    def __post_init__(self) -> None:
        self.write_locations = tuple(self.write_locations or self.locations[:1])
        self.store = ReplicatedStore(
            self.locations, self.data, lambda loc: loc not in self.down, emit=self._event
        )
        self._runners: list[web.AppRunner] = []
        self.lsn = 0

    @property
    def endpoint(self) -> str:
        """The account's global endpoint."""
        return self.urls[""]

    def _event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if self.emit is not None:
            self.emit(event)

    async def start(self) -> None:
        """Serve every location and the global endpoint on 127.0.0.1, ports chosen by the OS."""
        context = self.authority.server_context()
        for location in ("", *self.locations):
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handler(location))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
            await site.start()
            self._runners.append(runner)
            port = runner.addresses[0][1]
            self.urls[location] = f"https://127.0.0.1:{port}/"
        await self.store.start()

    async def stop(self) -> None:
        await self.store.stop()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    def account(self) -> dict[str, Any]:
        """The database account document (``GET /``)."""
        writable = self.locations if self.multi_write else self.write_locations
        return {
            "id": "drillkit-twin", "_rid": "drillkit-twin.documents.azure.com", "_self": "",
            "media": "//media/", "addresses": "//addresses/", "_dbs": "//dbs/",
            "writableLocations": [
                {"name": loc, "databaseAccountEndpoint": self.urls[loc]} for loc in writable
            ],
            "readableLocations": [
                {"name": loc, "databaseAccountEndpoint": self.urls[loc]} for loc in self.locations
            ],
            "enableMultipleWriteLocations": self.multi_write,
            "userConsistencyPolicy": {"defaultConsistencyLevel": self.consistency},
            "userReplicationPolicy": {"asyncReplication": False, "minReplicaSetSize": 3,
                                      "maxReplicasetSize": 4},
            "systemReplicationPolicy": {"minReplicaSetSize": 3, "maxReplicasetSize": 4},
            "readPolicy": {"primaryReadCoefficient": 1, "secondaryReadCoefficient": 1},
            "queryEngineConfiguration": "{}",
        }  # fmt: skip

    def _handler(self, location: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            authorized = self._authorized(request)
            pk = request.headers.get("x-ms-documentdb-partitionkey")
            session = request.headers.get("x-ms-session-token")
            self.requests.append(
                CosmosRequest(location, request.method, request.path, pk, authorized, session)
            )
            if location in self.down:
                return _error(503, "ServiceUnavailable", f"{location} is down")
            if not authorized:
                return _error(401, "Unauthorized", "the AAD token is missing or not valid")
            return await self._route(location or self.write_locations[0], request, pk)

        return handle

    def _authorized(self, request: web.Request) -> bool:
        fields = parse_qs(unquote(request.headers.get("authorization", "")))
        return fields.get("type") == ["aad"] and fields.get("sig") == [self.token]

    async def _route(self, location: str, request: web.Request, pk: str | None) -> web.Response:
        parts = [p for p in request.path.split("/") if p]
        if not parts and request.method == "GET":
            return _json(200, self.account())
        coll = ["dbs", self.database, "colls", self.container]
        if parts[:4] != coll:
            return _error(404, "NotFound", f"{request.path} does not exist")
        if len(parts) == 4 and request.method == "GET":
            return _json(200, self._container())
        if parts[4:] == ["pkranges"] and request.method == "GET":
            return self._ranges(request)
        if parts[4:5] != ["docs"]:
            return _error(404, "NotFound", f"{request.path} does not exist")
        if len(parts) == 5 and request.method == "POST":
            return await self._create(location, request, pk)
        if len(parts) == 6 and request.method == "GET":
            return self._read(location, unquote(parts[5]), pk)
        return _error(405, "MethodNotAllowed", f"{request.method} {request.path}")

    def _container(self) -> dict[str, Any]:
        return {
            "id": self.container, "_rid": "cnRpZA==", "_self": "dbs/ZGI=/colls/cnRpZA==/",
            "_etag": '"00000000-0000-0000-0000-000000000000"', "_ts": int(time.time()),
            "partitionKey": {"paths": [self.partition_key], "kind": "Hash", "version": 2},
            "indexingPolicy": {"indexingMode": "consistent", "automatic": True},
        }  # fmt: skip

    def _ranges(self, request: web.Request) -> web.Response:
        """The container's one partition key range, as a change feed: 304 once it is known."""
        if request.headers.get("If-None-Match") == RANGES_ETAG:
            return web.Response(status=304, headers=_headers() | {"etag": RANGES_ETAG})
        full = {"id": "0", "_rid": "cnRpZAAAAAA=", "minInclusive": "", "maxExclusive": "FF",
                "parents": [], "status": "online", "throughputFraction": 1.0}  # fmt: skip
        body = {"_rid": "cnRpZA==", "PartitionKeyRanges": [full], "_count": 1}
        response = _json(200, body)
        response.headers["etag"] = RANGES_ETAG
        return response

    async def _create(self, location: str, request: web.Request, pk: str | None) -> web.Response:
        writable = self.locations if self.multi_write else self.write_locations
        if location not in writable:
            return _error(403, "Forbidden", f"{location} is not a write region", WRITE_FORBIDDEN)
        try:
            doc = json.loads(await request.read())
        except ValueError:
            return _error(400, "BadRequest", "the body is not JSON")
        doc_id = doc.get("id") if isinstance(doc, dict) else None
        if not isinstance(doc_id, str) or not doc_id:
            return _error(400, "BadRequest", "the document has no string id")
        key = doc.get(self.partition_key.lstrip("/"))
        if pk is None or json.loads(pk) != [key]:
            return _error(400, "BadRequest", "the partition key header does not match the body")
        if self.store.read(location, doc_id) is not None:
            return _error(409, "Conflict", f"{doc_id} already exists")
        doc |= {
            "_rid": uuid.uuid4().hex[:16], "_etag": f'"{uuid.uuid4()}"', "_ts": int(time.time()),
            "_self": f"dbs/ZGI=/colls/cnRpZA==/docs/{doc_id}/",
        }  # fmt: skip
        self.store.write(location, doc_id, json.dumps(doc).encode())
        self.lsn += 1
        return _json(201, doc, self.lsn, f"dbs/{self.database}/colls/{self.container}")

    def _read(self, location: str, doc_id: str, pk: str | None) -> web.Response:
        if pk is None:
            return _error(400, "BadRequest", "a point read needs x-ms-documentdb-partitionkey")
        found = self.store.read(location, doc_id)
        if found is None:
            return _error(404, "NotFound", f"{doc_id} is not in {location}")
        doc = json.loads(found.body)
        if json.dumps([doc.get(self.partition_key.lstrip("/"))]) != json.dumps(json.loads(pk)):
            return _error(404, "NotFound", f"{doc_id} is not in that partition")
        return _json(200, doc, self.lsn, f"dbs/{self.database}/colls/{self.container}")


def _headers(sub_status: int = 0, lsn: int | None = None) -> dict[str, str]:
    headers = {
        "x-ms-activity-id": str(uuid.uuid4()), "x-ms-request-charge": "1",
        "x-ms-substatus": str(sub_status), "x-ms-gatewayversion": "version=2.14.0",
    }  # fmt: skip
    if lsn is not None:  # one partition key range, "0", whose session is its write count
        headers["x-ms-session-token"] = f"0:-1#{lsn}"
        headers["x-ms-documentdb-partitionkeyrangeid"] = "0"
    return headers


def _json(
    status: int, body: dict[str, Any], lsn: int | None = None, path: str | None = None
) -> web.Response:
    headers = _headers(0, lsn)
    if path is not None:  # where the SDK files the session token
        headers["x-ms-alt-content-path"] = path
    return web.json_response(body, status=status, headers=headers)


def _error(status: int, code: str, message: str, sub_status: int = 0) -> web.Response:
    return web.json_response(
        {"code": code, "message": message}, status=status, headers=_headers(sub_status)
    )
