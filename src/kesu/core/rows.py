"""Model instances from the row of a hand-written query, as the ORM would have built them.

For the few queries every request runs (the session and its user): the ORM spends more CPU building
such a query than the database spends answering it (docs/reporting.md, "the session read"). The
columns still come from the models' own field lists and the values pass through the same converters
the ORM applies (SQLite's dates and booleans, for one), so a field added to a model is read here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def select_list(model: type[Model], alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in ``from_row``'s order."""
    return ", ".join(f"{alias}.{_quoted(field)}" for field in _fields(model))


def column(model: type[Model], field_name: str) -> str:
    """The quoted column of one field of ``model`` (``"pk"``: its primary key)."""
    meta = model._meta
    return _quoted(meta.pk if field_name == "pk" else meta.get_field(field_name))


def table(model: type[Model]) -> str:
    return str(connections["default"].ops.quote_name(model._meta.db_table))


def _quoted(field: Any) -> str:
    name = getattr(field, "column", None)
    if not isinstance(name, str):
        raise TypeError(f"{field} has no column of its own")
    return str(connections["default"].ops.quote_name(name))


def width(model: type[Model]) -> int:
    """How many columns of a row ``select_list`` gives for ``model``."""
    return len(_fields(model))


def from_row(model: type[M], values: Sequence[Any], using: str = "default") -> M:
    """The instance ``model.from_db`` makes of these values, once the database's converters ran."""
    converted = [
        _convert(value, converters, using)
        for value, converters in zip(values, _converters(model, using), strict=True)
    ]
    return model.from_db(using, [field.attname for field in _fields(model)], converted)


def _convert(value: Any, converters: tuple[tuple[Converter, Any], ...], using: str) -> Any:
    for converter, expression in converters:
        value = converter(value, expression, connections[using])
    return value


@cache
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


@cache
def _converters(model: type[Model], using: str) -> tuple[tuple[tuple[Converter, Any], ...], ...]:
    """Per field, the backend's converters and then the field's own (the compiler's order)."""
    connection = connections[using]
    result = []
    for field in _fields(model):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        result.append(tuple((converter, column) for converter in found))
    return tuple(result)
