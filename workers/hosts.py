"""Which hosts only this machine can reach: the one rule for a bind address that needs no opt-in (Flower's
launcher, the replays) and for a base URL that may go without a live site's manners (The Third Turn's client).
Standard library only, so the replays and the launcher import it without the workers' settings."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(address: str) -> bool:
    """True only for addresses that cannot be reached from another machine ('' and 0.0.0.0 mean all)."""
    host = address.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost, or '' (every interface)


def is_loopback_url(url: str) -> bool:
    """Whether a URL's host is loopback (`http://127.0.0.1:8767` yes, `https://www.thethirdturn.com` no)."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # a malformed URL (an unclosed IPv6 bracket) names no host of this machine
        return False
    return is_loopback(host or "")
