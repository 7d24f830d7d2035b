"""Settings for the test suite: production settings with the few changes tests need."""

from kesu.settings import *  # noqa: F403

# The test client and the browser tests speak plain HTTP to a local server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Hashing passwords slowly is the point in production and a waste of minutes in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Rate-limit counters in memory, per test process (tests that count clear the cache first). The
# per-address login limit would otherwise add up failed logins from 127.0.0.1 across the whole suite;
# the tests of that limit set it themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KESU_LOGIN_FAILURES_PER_ADDRESS = 0
# No quiet hours: a message's channels must not depend on the time of day the suite runs at.
KESU_MESSAGE_QUIET_HOURS = ""
