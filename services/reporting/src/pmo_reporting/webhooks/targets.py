"""Where a webhook may send (SSRF rules of contract §7.9), checked when it is subscribed and again
before every connection.

`PMO_WEBHOOK_ALLOWED_HOSTS` is a strict allow-list of host names (or addresses): a URL whose host is
not listed is refused without even being resolved. A listed name is then resolved, and every address
it resolves to must be public; a private, loopback, link-local (cloud metadata), shared, reserved,
multicast or unspecified address is refused unless that address itself is listed (or, for the name
`localhost`, `localhost` is). The sender connects to an address checked here, never resolving the
name again, so a name that changes its answer between the check and the connection (DNS rebinding)
gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}
RESOLVE_SECONDS = 5.0


class TargetRefused(ValueError):
    """The URL may not be a webhook target; the message says why."""


@dataclass(frozen=True)
class AllowList:
    entries: frozenset[str]

    @classmethod
    def parse(cls, spec: str) -> AllowList:
        """`PMO_WEBHOOK_ALLOWED_HOSTS`: comma-separated; names are compared case-insensitively."""
        return cls(frozenset(_normal_host(e) for e in spec.split(",") if e.strip()))

    def lists(self, host_or_address: str) -> bool:
        return _normal_host(host_or_address) in self.entries


@dataclass(frozen=True)
class Target:
    """A webhook URL, taken apart: `host` is normalised (lower case, an address in its short form)."""

    url: str
    scheme: str
    host: str
    port: int

    @property
    def netloc(self) -> str:
        """The `Host` header: the name as given, with the port when it is not the scheme's own."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == SCHEMES[self.scheme] else f"{shown}:{self.port}"


def parse_target(url: str) -> Target:
    """Take a URL apart, refusing what no webhook needs: other schemes, credentials, odd hosts."""
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise TargetRefused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetRefused("must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not carry credentials; deliveries are authenticated by their signature")
    if not parts.hostname:
        raise TargetRefused("has no host")
    if not parts.hostname.isascii():
        raise TargetRefused("host must be ASCII: give an international name in its xn-- form")
    if port == 0:
        raise TargetRefused("port 0 is not a port")
    return Target(url, scheme, _normal_host(parts.hostname), port or SCHEMES[scheme])


def refusal(target: Target, address: IPAddress, allowed: AllowList) -> str | None:
    """Why `target` may not be reached at `address` (None: it may)."""
    if allowed.lists(str(address)):
        return None
    if target.host == "localhost" and address.is_loopback and allowed.lists("localhost"):
        return None
    kind = _internal_kind(address)
    if kind is None:
        return None
    return (
        f"{target.host} resolves to {address}, a {kind} address; only an address listed in "
        "PMO_WEBHOOK_ALLOWED_HOSTS itself may be private"
    )


Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (an address literal: itself)."""
    literal = as_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_SECONDS
        )
    except TimeoutError:
        raise TargetRefused(f"{host} did not resolve within {RESOLVE_SECONDS:g} s") from None
    except OSError as exc:
        raise TargetRefused(f"{host} does not resolve ({exc})") from None
    found: dict[str, IPAddress] = {}
    for *_, sockaddr in infos:
        address = as_address(str(sockaddr[0]))
        if address is not None:
            found.setdefault(str(address), address)
    return list(found.values())


# Looked up at each call, so tests can stand in for DNS (a name that resolves to what they say).
resolve: Resolver = system_resolve


async def checked_addresses(target: Target, allowed: AllowList) -> list[IPAddress]:
    """The addresses `target` may be reached at: all of its host's, each checked; refused if the
    host is not listed, does not resolve, or any address is refused."""
    if not allowed.lists(target.host):
        raise TargetRefused(f"{target.host} is not in PMO_WEBHOOK_ALLOWED_HOSTS")
    addresses = await resolve(target.host, target.port)
    if not addresses:
        raise TargetRefused(f"{target.host} resolves to no address")
    for address in addresses:
        reason = refusal(target, address, allowed)
        if reason is not None:
            raise TargetRefused(reason)
    return addresses


async def check_url(url: str, allowed: AllowList) -> Target:
    """Parse and check a URL as a webhook target (at subscription time)."""
    target = parse_target(url)
    await checked_addresses(target, allowed)
    return target


def _normal_host(host: str) -> str:
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    address = as_address(host)
    return host if address is None else str(address)


def as_address(text: str) -> IPAddress | None:
    """The address `text` spells (an IPv4-mapped IPv6 one as IPv4), or None for a name."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # without an IPv6 zone (`%eth0`)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _internal_kind(address: IPAddress) -> str | None:
    """What makes an address internal (None: a public unicast address)."""
    for kind, test in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if test:
            return kind
    return None if address.is_global else "non-public"
