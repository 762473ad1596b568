"""Which webhook receivers may be reached: no requests into the operator's own network (SSRF).

`check()` resolves the URL's host and refuses it when ANY of its addresses is not a public
unicast address (private, loopback, link-local, shared, reserved, multicast, unspecified; an
IPv4-mapped IPv6 address counts as its IPv4 address), unless the operator allows private
receivers. It returns the checked addresses: the delivery connects only to those (no second
resolution that DNS rebinding could answer differently). Nothing is ever sent before the check.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class RefusedReceiver(ValueError):
    """The URL may not receive webhooks; the message names why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    addresses: tuple[str, ...]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """Return scheme, host, port and path of a receiver URL; RefusedReceiver for any other form."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedReceiver(f"'{url}' is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedReceiver(f"'{url}' is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise RefusedReceiver("a receiver URL may not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def check(url: str, allow_private: bool) -> Target:
    """Resolve and check a receiver URL (see the module's text)."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise RefusedReceiver(f"the host '{host}' does not resolve: {exc.strerror}") from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not allow_private and not _public(address):
            raise RefusedReceiver(
                f"'{host}' resolves to {address}, which is not a public address: receivers on "
                "private, loopback or link-local networks are refused (setting "
                "GEOSERVICE_WEBHOOKS_ALLOW_PRIVATE=true allows them)")
        if address.is_multicast or address.is_unspecified:
            raise RefusedReceiver(f"'{host}' resolves to {address}, which cannot receive webhooks")
    if not addresses:
        raise RefusedReceiver(f"the host '{host}' has no address")
    return Target(scheme, host, port, path, addresses)
