"""Model instances from the row of a hand-written query, as the ORM would have built them.

For the few queries every request runs (the session and its user): the ORM spends more CPU building
such a query than the database spends answering it (docs/reporting.md, "the session read"). The
columns still come from the models' own field lists and the values pass through the same converters
the ORM applies (SQLite's dates and booleans, for one), so a field added to a model is read here too.
``insert`` and ``update`` write a row the same way, through each field's own preparation, for the
writes of a submit at the deadline.
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


def insert(instance: Model, using: str = "default") -> None:
    """INSERT ``instance`` as ``instance.save()`` would for a new row — each field's ``pre_save`` and
    ``get_db_prep_save``, the new key set on it — in one written-out statement and without the save
    signals. For hot paths only (a submit at the deadline); models with signal receivers or
    inheritance go through ``save()``."""
    model, connection = type(instance), connections[using]
    fields = _insert_fields(model)
    if model._meta.auto_field is not None and instance.pk is not None:
        raise TypeError(f"{instance!r} already has a key: save it with the ORM")
    values = [_prepared(field, field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, using), values)
        if model._meta.auto_field is not None:  # the database chose the key; other keys were given
            instance.pk = (
                cursor.fetchone()[0]
                if _returns_key(model, using)
                else connection.ops.last_insert_id(cursor, model._meta.db_table, str(model._meta.pk.column))
            )
    instance._state.adding, instance._state.db = False, using


def update(instance: Model, field_names: Sequence[str], using: str = "default") -> int:
    """``instance.save(update_fields=field_names)`` written out (no signals); the rows changed."""
    model, connection = type(instance), connections[using]
    fields = [model._meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{_quoted(field)} = %s" for field in fields)
    values = [_prepared(field, field.pre_save(instance, False), connection) for field in fields]  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(model)} SET {assignments} WHERE {column(model, 'pk')} = %s",
            [*values, _prepared(model._meta.pk, instance.pk, connection)],
        )
        return int(cursor.rowcount)


def _prepared(field: Any, value: Any, connection: Any) -> Any:
    if hasattr(value, "resolve_expression"):
        raise TypeError(f"{field} holds an expression: save it with the ORM")
    return field.get_db_prep_save(value, connection)


@cache
def _insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{model.__name__} inherits another model's table: save it with the ORM")
    return tuple(
        field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field
    )


def _returns_key(model: type[Model], using: str) -> bool:
    return model._meta.auto_field is not None and connections[using].features.can_return_columns_from_insert


@cache
def _insert_sql(model: type[Model], using: str) -> str:
    fields = _insert_fields(model)
    return (
        f"INSERT INTO {table(model)} ({', '.join(_quoted(field) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
        + (f" RETURNING {column(model, 'pk')}" if _returns_key(model, using) else "")
    )
