"""The one rule for a host only this machine can reach (workers/hosts.py): Flower's launcher and the replays
take an address, The Third Turn's client a base URL."""

from __future__ import annotations

import pytest

from workers.hosts import is_loopback, is_loopback_url


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost", " LocalHost "])
def test_loopback_addresses_are_recognised(address):
    assert is_loopback(address)


@pytest.mark.parametrize("address", ["0.0.0.0", "", "::", "192.0.2.7", "flower.internal", "127.0.0.1.example"])
def test_every_other_address_counts_as_reachable(address):
    assert not is_loopback(address)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8767", "http://localhost/wiki/", "http://[::1]:8767/",
                                 "http://LOCALHOST:8767", "http://127.0.0.2"])
def test_a_url_on_this_machine_is_loopback(url):
    assert is_loopback_url(url)


@pytest.mark.parametrize("url", ["https://www.thethirdturn.com", "http://0.0.0.0:8767", "http://192.0.2.7/wiki/",
                                 "http://localhost.example.com", "127.0.0.1", "", "http://[::1"])
def test_a_url_elsewhere_or_without_a_host_is_not(url):
    assert not is_loopback_url(url)
