"""Which addresses only this machine can reach: Flower's launcher's and the replay servers' rule for a bind address
that needs no opt-in. Standard library only, so both import it without any settings; it lives here, in the
runtime package, because the image has Flower but no replay server."""

from __future__ import annotations

import ipaddress

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
