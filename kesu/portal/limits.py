"""The portal's abuse limits, held in the shared cache (settings.CACHES: the database's kesu_cache
table or Redis), so every worker process counts against the same budget.

A limit of N per window is N slots: a request takes the first free slot with the cache's atomic
``add`` (an INSERT refused by the primary key on the database cache, SET NX on Redis), and a slot
frees itself when its window has passed. Two workers racing for the last slot cannot both win,
which a read-then-write counter (Django's ``incr`` on the database cache) does not promise.

The client's address is REMOTE_ADDR unless a proxy is configured (KESU_TRUSTED_PROXY_HEADER and
KESU_TRUSTED_PROXIES): then, and only on a request that comes from one of those proxies, the header
is read right to left past the proxies' own entries; the first address no proxy of ours owns is
the client. A header the server was not told to trust is never read."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int

    def _keys(self, subject: str) -> list[str]:
        digest = hashlib.sha256(subject.encode("utf-8", "replace")).hexdigest()[:32]  # any input, bounded key
        return [f"kesu:limit:{self.name}:{digest}:{i}" for i in range(self.count)]

    def exhausted(self, subject: str) -> bool:
        """Every slot taken (nothing spent)."""
        return len(cache.get_many(self._keys(subject))) >= self.count

    def spend(self, subject: str) -> str | None:
        """Take a slot: its key (for ``refund``), or None when the limit is reached."""
        keys = self._keys(subject)
        taken = cache.get_many(keys)
        for key in keys:
            if key not in taken and cache.add(key, 1, self.seconds):
                return key
        return None

    @staticmethod
    def refund(key: str | None) -> None:
        if key:
            cache.delete(key)


@lru_cache(maxsize=8)
def _proxies(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in spec)


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # [2001:db8::1]:443
        raw = raw[1:raw.index("]")]
    elif raw.count(":") == 1:  # 203.0.113.5:443
        raw = raw.split(":", 1)[0]
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address the limits are keyed by. An IPv6 client counts by its /64: one customer's
    network is given a whole /64, and every address in it is theirs to use."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or ipaddress.ip_address("0.0.0.0")
    header = settings.KESU_TRUSTED_PROXY_HEADER
    client = remote
    if header:
        proxies = _proxies(tuple(settings.KESU_TRUSTED_PROXIES))

        def ours(a: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
            return any(a in net for net in proxies if net.version == a.version)

        if ours(remote):
            value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
            for entry in reversed([e for e in value.split(",") if e.strip()]):
                a = _address(entry)
                if a is None:
                    break  # our proxy wrote something that is not an address: stop at the last one we trust
                client = a
                if not ours(a):
                    break
    if client.version == 6 and client.ipv4_mapped:  # ::ffff:203.0.113.5 is that IPv4 client
        return str(client.ipv4_mapped)
    if client.version == 6:
        return str(ipaddress.ip_network(f"{client}/64", strict=False))
    return str(client)


def submissions() -> Limit:
    return Limit("portal-submit", settings.KESU_PORTAL_SUBMISSIONS_PER_HOUR, 3600)


def track_failures() -> Limit:
    return Limit("portal-track", settings.KESU_PORTAL_TRACK_FAILURES_PER_HOUR, 3600)
