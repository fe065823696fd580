"""Believe X-Forwarded-For and X-Forwarded-Proto only from the proxies named in a setting.

uvicorn's own proxy handling trusts 127.0.0.1 by default; it is turned off and this
middleware rewrites the request's client address and scheme instead, only when the
connection comes from a trusted proxy. Anyone else's headers are ignored, so rate limits,
lockouts and the security log see the real peer.
"""

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxySettingError(ValueError):
    """QINGFENG_TRUSTED_PROXIES (or another list of networks) names something that is not an
    IP or a CIDR."""


def parse_networks(value: str, setting: str = "QINGFENG_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Parse comma-separated IPs and CIDRs, raising ProxySettingError naming a bad item."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ProxySettingError(
                f"{setting}: {item!r} 不是 IP 地址或网段 (not an IP or CIDR)"
            ) from None
    return tuple(networks)


def within(address: str, networks: Iterable[Network]) -> bool:
    """Whether IP `address` lies in one of `networks` (False for anything not an IP)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """Take the client address and scheme from a trusted proxy's forwarding headers."""

    def __init__(self, app: ASGIApp, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks:
            client = scope.get("client")
            if client and within(client[0], self.networks):
                self._rewrite(scope, client)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope, client: tuple[str, int]) -> None:
        headers = dict(scope.get("headers", []))
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        # The rightmost address not of a trusted proxy is the one the proxies saw.
        while hops and within(hops[-1], self.networks):
            hops.pop()
        if hops:
            scope["client"] = (hops[-1], 0)
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[0].strip()
        if proto in ("http", "https"):
            scope["scheme"] = proto
