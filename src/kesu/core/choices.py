"""Choices that carry their colour, as NetBox's ``ChoiceSet`` does: one place says how a state reads
and how it looks, and one template tag (``{% badge %}`` in ``kesu.core.templatetags.kesu``) draws it.

    class ReportStatus(ColouredChoices):
        DRAFT = "draft", "secondary", _("草稿")

The middle item is a Bootstrap colour name (``text-bg-<colour>``); the stored value and the label
work as in Django's ``TextChoices``.
"""

from __future__ import annotations

from typing import Self

from django.db import models

COLOURS = frozenset({"primary", "secondary", "success", "danger", "warning", "info", "light", "dark"})


class ColouredChoices(models.TextChoices):
    colour: str

    def __new__(cls, value: str, colour: str = "secondary") -> Self:
        if colour not in COLOURS:
            raise ValueError(f"{cls.__name__}.{value}: unknown Bootstrap colour {colour!r}")
        member = str.__new__(cls, value)
        member._value_ = value
        member.colour = colour
        return member

    @classmethod
    def of(cls, value: str) -> Self | None:
        """The member stored as ``value``; None for a blank (or unknown) value."""
        try:
            return cls(value)
        except ValueError:
            return None
