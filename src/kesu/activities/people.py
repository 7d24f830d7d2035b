"""Choosing the experts and volunteers who took part in an activity, from registers too big to list.

A volunteer register holds up to 10^5 people, so the form never lists it: ``PeoplePicker`` draws only
the people already chosen (as ticked boxes) and a search box; typing asks ``people_options`` for up
to ``MATCHES`` names among the people the user may credit (``creditable_by``), drawn as unticked
boxes beside the ticked ones (which the search posts back, so a new search keeps them). Ticking is
the whole interaction: no script of our own, and it works the same with a mouse or on a phone. The form field validates the
posted ids against the same ``creditable_by`` queryset, so an id from another region is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from kesu.experts.models import Expert
from kesu.volunteers.models import Volunteer

MATCHES = 20


@dataclass(frozen=True)
class Register:
    """One register the picker chooses from: who may be found, how a name is matched and shown."""

    field: str  # the form field (and the posted name)
    noun: str
    visible: Callable[[Any], QuerySet[Any]]
    lookup: str  # volunteers by the start of the name (an index), experts anywhere in it


def _label(person: Expert | Volunteer) -> str:
    # Name and employer: a member unit finds people here it cannot otherwise read (``creditable_by``),
    # so nothing personal beyond what a register's published list (名单公示) carries.
    return f"{person.name} · {person.employer}" if person.employer else person.name


REGISTERS = {
    "experts": Register(
        "experts",
        "专家",
        lambda user: Expert.objects.creditable_by(user).order_by("name", "pk"),
        "name__contains",
    ),
    "volunteers": Register(
        "volunteers",
        "志愿者",
        lambda user: Volunteer.objects.creditable_by(user).filter(in_register=True).order_by("name", "pk"),
        "name__startswith",
    ),
}


@dataclass(frozen=True)
class Person:
    """One box of the picker."""

    pk: int
    label: str
    chosen: bool


@dataclass(frozen=True)
class Boxes:
    people: list[Person]
    more: bool = False  # more matches than shown: type more of the name


def options(register: Register, people: QuerySet[Any], chosen_ids: list[str], query: str = "") -> Boxes:
    """The boxes to draw: the people chosen (ticked), then up to MATCHES others whose name matches."""
    # ids as posted: only plain decimal numbers that fit a key (no "²", no 40-digit number for the DB)
    ids = [int(pk) for pk in chosen_ids if str(pk).isdecimal() and len(str(pk)) < 12]
    chosen = list(people.filter(pk__in=ids)) if ids else []
    found: list[Any] = []
    if query:
        found = list(people.filter(**{register.lookup: query}).exclude(pk__in=ids)[: MATCHES + 1])
    boxes = [Person(p.pk, _label(p), True) for p in chosen]
    boxes += [Person(p.pk, _label(p), False) for p in found[:MATCHES]]
    return Boxes(boxes, more=len(found) > MATCHES)


class PeoplePicker(forms.CheckboxSelectMultiple):
    """Ticked boxes for the people chosen, a search box for the rest (``people_options``)."""

    template_name = "activities/_people_picker.html"

    def __init__(self, register: Register, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.register = register

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        queryset = self.choices.queryset  # type: ignore[attr-defined]  # the field's ModelChoiceIterator
        context["picker"] = {
            "register": self.register,
            "people": options(self.register, queryset, [str(v) for v in value or []]),
            "url": f"{reverse('activities:people_options')}?register={self.register.field}",
        }
        return context

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> list[Any]:
        return []  # never the whole register: the template draws the chosen people itself
