"""The public link behind the README's nginx: respondents are told apart by their own address."""

from __future__ import annotations

import ipaddress

import pytest

from kesu.survey import actions
from kesu.survey.models import Respondent
from kesu.survey.tests.test_collection import MAN, WOMAN, start_publicly

pytestmark = pytest.mark.django_db

NGINX = {"REMOTE_ADDR": "10.0.0.2"}


def test_behind_a_trusted_proxy_two_respondents_are_not_limited_together(
    world, client_for, pingyin_wave, settings
) -> None:
    settings.KESU_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.KESU_SURVEY_STARTS_PER_IP_PER_HOUR = 1
    actions.set_status(world.py_office, pingyin_wave, "open")
    first = start_publicly(client_for(None), pingyin_wave, WOMAN, HTTP_X_FORWARDED_FOR="203.0.113.7", **NGINX)
    second = start_publicly(client_for(None), pingyin_wave, MAN, HTTP_X_FORWARDED_FOR="198.51.100.4", **NGINX)
    assert (first.status_code, second.status_code) == (302, 302)
    again = start_publicly(client_for(None), pingyin_wave, MAN, HTTP_X_FORWARDED_FOR="203.0.113.7", **NGINX)
    assert again.status_code == 429 and Respondent.objects.count() == 2


def test_without_a_trusted_proxy_a_spoofed_forwarded_header_does_not_reset_the_limit(
    world, client_for, pingyin_wave, settings
) -> None:
    settings.KESU_TRUSTED_PROXIES, settings.KESU_TRUSTED_PROXY_COUNT = [], 0
    settings.KESU_SURVEY_STARTS_PER_IP_PER_HOUR = 1
    actions.set_status(world.py_office, pingyin_wave, "open")
    assert (
        start_publicly(client_for(None), pingyin_wave, WOMAN, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code
        == 302
    )
    spoofed = start_publicly(client_for(None), pingyin_wave, MAN, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert spoofed.status_code == 429 and Respondent.objects.count() == 1
