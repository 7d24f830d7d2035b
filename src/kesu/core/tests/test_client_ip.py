"""The client's address behind a reverse proxy, and the rate limiter that counts per address."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from django.test import RequestFactory

from kesu.core.http import client_ip
from kesu.core.ratelimit import RateLimit
from kesu.env import EnvError, env_networks


def request_from(remote: str, forwarded: str | None = None) -> HttpRequest:
    if forwarded is None:
        return RequestFactory().get("/", REMOTE_ADDR=remote)
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings) -> None:
    settings.KESU_TRUSTED_PROXIES, settings.KESU_TRUSTED_PROXY_COUNT = [], 0
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_trusted_networks_the_right_most_untrusted_address_is_the_client(settings) -> None:
    settings.KESU_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    # the client sent a forged first entry; nginx (10.0.0.2) appended the real peer
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("10.0.0.2", "203.0.113.7, 10.0.0.5")) == "203.0.113.7"  # two proxies
    assert (
        client_ip(request_from("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    )  # not from a proxy: header ignored
    assert client_ip(request_from("10.0.0.2", "garbage, 10.0.0.5")) == "10.0.0.5"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"


def test_with_a_proxy_count_the_address_that_many_hops_from_the_right_is_the_client(settings) -> None:
    settings.KESU_TRUSTED_PROXIES, settings.KESU_TRUSTED_PROXY_COUNT = [], 1
    assert client_ip(request_from("127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"
    settings.KESU_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.0.0.5")) == "203.0.113.7"


def test_a_proxy_network_that_is_not_an_address_stops_the_start_with_its_name() -> None:
    assert env_networks("P", {"P": "10.0.0.0/8, ::1"}) == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1"),
    ]
    with pytest.raises(EnvError, match="P"):
        env_networks("P", {"P": "10.0.0.0/33"})


def test_the_rate_limiter_counts_each_key_separately_and_zero_means_no_limit() -> None:
    cache.clear()
    limit = RateLimit("test", limit=2, window=3600)
    assert limit.hit("a") and limit.hit("a") and not limit.exceeded("b")
    assert limit.exceeded("a") and not limit.hit("a")
    assert limit.hit("b")
    unlimited = RateLimit("test-off", limit=0, window=60)
    assert all(unlimited.hit("a") for _ in range(10)) and not unlimited.exceeded("a")
    assert 0 < limit.retry_after() <= 3600
