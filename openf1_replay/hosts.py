"""Which addresses only this machine can reach: the replay server's and Flower's launcher's rule for a bind
address that needs no opt-in. Standard library only, so both packages import it without their settings."""

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
