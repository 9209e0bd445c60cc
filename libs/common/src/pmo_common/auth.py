"""Authentication (JWT bearer or `X-API-Key`) giving a `Principal`, role checks, and the
object-level rule that a project manager writes only their own projects."""

from __future__ import annotations

import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.security import APIKeyHeader, HTTPBearer

from pmo_common.contracts.types import Role
from pmo_common.errors import Forbidden, Unauthorized
from pmo_common.settings import Settings, hash_api_key

log = logging.getLogger("pmo.auth")

KNOWN_ROLES = frozenset(r.value for r in Role)
# Everyone with an account reads; `integration` keys are for bulk pushes and read only where a
# service says so (the resource service lets them read back what they imported).
READERS = (Role.admin, Role.pmo, Role.project_manager, Role.resource_manager, Role.viewer)
PORTFOLIO_WRITERS = (Role.admin, Role.pmo)
PROJECT_WRITERS = (Role.admin, Role.pmo, Role.project_manager)
# Far above any real token (a few hundred bytes) and below what would make verifying one costly.
MAX_TOKEN_BYTES = 8192
# Verified tokens remembered (each a few hundred bytes): far more than the clients of one worker.
VERIFIED_TOKENS = 4096


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    via: str = "jwt"
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_privileged(self) -> bool:
        """Admins and the PMO write across every portfolio."""
        return self.has(Role.admin, Role.pmo)


class Authenticator:
    """Turns request headers into a principal; shared by the auth dependency and middleware."""

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.effective_jwt_secret
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        self.api_keys = settings.parsed_api_keys
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._jwks: jwt.PyJWKClient | None = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300) if settings.jwks_url else None
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        api_key = headers.get("x-api-key")
        if api_key:
            return self._from_api_key(api_key)
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if not authorization:
            raise Unauthorized("Send `Authorization: Bearer <JWT>` or an `X-API-Key` header.")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("The Authorization header must be `Bearer <JWT>`.")
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized(f"The bearer token is longer than {MAX_TOKEN_BYTES} bytes; no token here is.")
        return await self._from_jwt(token.strip())

    def _from_api_key(self, key: str) -> Principal:
        if len(key) > MAX_TOKEN_BYTES:
            raise Unauthorized("The X-API-Key is not known.")
        digest = hash_api_key(key)
        match = None
        # Compare against every key in constant time so timing reveals nothing about which matched.
        for candidate in self.api_keys:
            if hmac.compare_digest(candidate.digest, digest):
                match = candidate
        if match is None:
            raise Unauthorized("The X-API-Key is not known.")
        return Principal(sub=f"apikey:{match.name}", roles=frozenset(match.roles), via="api_key")

    async def _from_jwt(self, token: str) -> Principal:
        # A verified token is remembered until it expires: clients send the same one on every call.
        # Least recently used first out, so a burst of one-off tokens cannot evict the busy ones.
        cached = self._verified.get(token)
        if cached is not None:
            if cached[1] > time.time():
                self._verified.move_to_end(token)
                return cached[0]
            del self._verified[token]
        principal = await self._verify_jwt(token)
        self._verified[token] = (principal, float(principal.claims.get("exp", 0)))
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    async def _verify_jwt(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The bearer token is not a well-formed JWT.") from None
        alg = header.get("alg")
        key: Any
        if alg == "HS256" and self.secret:
            key = self.secret
        elif alg in ("RS256", "ES256", "PS256") and self._jwks is not None:
            jwks = self._jwks
            try:
                key = (await anyio.to_thread.run_sync(jwks.get_signing_key_from_jwt, token)).key
            except jwt.PyJWTError as exc:
                raise Unauthorized(f"The token's signing key could not be found: {exc}") from None
        else:
            # Refuses `none` and HS/RS confusion: only the algorithm of the configured key is taken.
            raise Unauthorized(f"Tokens signed with {alg!r} are not accepted here.")
        options: Any = {"require": ["exp", "sub"], "verify_aud": self.audience is not None}
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options=options,
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("The token's audience is not accepted.") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("The token's issuer is not accepted.") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The token is not valid: {exc}") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized('The token\'s `roles` claim must be a list of role names, e.g. ["viewer"].')
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip() or len(sub) > 200:
            raise Unauthorized(
                "The token's `sub` claim must be a non-empty string of at most 200 characters."
            )
        return Principal(
            sub=sub,
            roles=frozenset(r for r in roles if r in KNOWN_ROLES),
            via="jwt",
            claims=claims,
        )


async def authenticated(request: Request) -> Principal:
    """Router-level dependency: every route behind a service prefix needs a principal, and the roles
    its endpoint declares are checked here, before any other dependency runs (loaders that 404,
    bodies that 422), so a caller without the role gets 403 and learns nothing about what exists."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(request.headers)
    for allowed in _declared_roles(request.scope.get("route")):
        if not principal.roles & allowed:
            raise _forbidden(allowed, principal)
    request.state.principal = principal
    return principal


def _declared_roles(route: Any) -> list[frozenset[str]]:
    """The role sets required by a route's dependencies (found once, then kept on the route itself:
    a cache keyed by `id()` would answer for another route once this one is gone)."""
    if route is None:
        return []
    cached = getattr(route, "_pmo_roles", None)
    if cached is None:
        cached = []
        stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
        while stack:
            dependant = stack.pop()
            roles = getattr(dependant.call, "__pmo_roles__", None)
            if roles is not None:
                cached.append(roles)
            stack.extend(dependant.dependencies)
        route._pmo_roles = cached
    return cached


def _forbidden(allowed: frozenset[str], principal: Principal) -> Forbidden:
    return Forbidden(
        f"This needs one of the roles {', '.join(sorted(allowed))}; "
        f"you have {', '.join(sorted(principal.roles)) or 'none'}."
    )


# The two schemes /docs shows; the real check is `authenticated`.
bearer_scheme = HTTPBearer(auto_error=False, description="A JWT with `sub` and `roles` claims.")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="A machine client's key.")
_SCHEMES = (bearer_scheme, api_key_scheme)


def document_security(app: FastAPI, prefix: str) -> None:
    """Declare the two schemes in the OpenAPI document on every operation under `prefix` — all of them
    authenticate (`authenticated` guards the routers) — as FastAPI would from `Depends(HTTPBearer())`.
    Not through such dependencies: FastAPI solves every dependency on every request, and these two
    (and their parent) did nothing but document (issue #17)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        cached = app.openapi_schema
        document = build()
        if document is not cached:  # built just now
            _add_security(document, prefix)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _add_security(document: dict[str, Any], prefix: str) -> None:
    security: list[dict[str, list[str]]] = [{scheme.scheme_name: []} for scheme in _SCHEMES]
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            # Where FastAPI puts it: after the operation's metadata, before its parameters.
            keys = list(operation)
            at = keys.index("operationId") + 1 if "operationId" in keys else 0
            items = list(operation.items())
            items.insert(at, ("security", [dict(s) for s in security]))
            operations[method] = dict(items)
    schemes = {
        scheme.scheme_name: jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
        for scheme in _SCHEMES
    }
    document.setdefault("components", {})["securitySchemes"] = schemes


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = await authenticated(request)
        if not principal.roles & allowed:
            raise _forbidden(allowed, principal)
        return principal

    dependency.__pmo_roles__ = allowed  # type: ignore[attr-defined]  # read by `authenticated`
    return dependency


def ensure_can_write_project(principal: Principal, manager: str | None, *, what: str = "project") -> None:
    """Admins and the PMO write any project; a project manager only those they manage."""
    if principal.is_privileged:
        return
    if principal.has(Role.project_manager) and manager is not None and manager == principal.sub:
        return
    if principal.has(Role.project_manager):
        raise Forbidden(f"Project managers change only the {what}s of projects they manage.")
    raise Forbidden(f"Changing a {what} needs the admin, pmo or project_manager role.")


Reader = Annotated[Principal, Depends(require_roles(*READERS))]
PortfolioWriter = Annotated[Principal, Depends(require_roles(*PORTFOLIO_WRITERS))]
ProjectWriter = Annotated[Principal, Depends(require_roles(*PROJECT_WRITERS))]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]


def make_token(
    sub: str,
    roles: Iterable[str],
    secret: str,
    *,
    ttl_seconds: int = 3600,
    audience: str | None = None,
    issuer: str | None = None,
) -> str:
    """Issue an HS256 token (the local stack's admin token, tests, the demo loader)."""

    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl_seconds}
    if audience:
        claims["aud"] = audience
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm="HS256")
