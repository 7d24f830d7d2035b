"""Kesu (科素): the working platform of a 全民科学素质 office."""
