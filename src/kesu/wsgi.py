import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
application = get_wsgi_application()

# Load the URL configuration, and with it every view module, now: with gunicorn --preload that happens
# once in the master, not in each worker's first request (which a deadline burst or a contest's
# first wave of participants would otherwise wait for).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
