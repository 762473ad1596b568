"""X-Forwarded-* headers, trusted only on connections from the configured reverse proxies.

werkzeug's ProxyFix believes the headers of every request; a client that reaches the service
directly could then pick any address (and so escape the login throttle, auth.py) or any host.
Here the headers are applied only when the connection comes from an address of TRUSTED_PROXIES.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, the app unchanged for others."""

    def __init__(self, app, hops: int, proxies: Iterable[str]):
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
        self.networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def trusted(self, address: str) -> bool:
        """Return True when `address` (the connection's peer) is one of the proxies."""
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        if peer.version == 6 and peer.ipv4_mapped is not None:
            peer = peer.ipv4_mapped
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
