"""One entry point for every registry import (``kesu import_registry <kind> FILE --region CODE``).

Each registry app registers its importers in ``AppConfig.ready``; the command and any page find
them here by kind ("bases", "experts", "volunteers", ...), so the JSON contract is the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region


@dataclass(frozen=True)
class RowError:
    row: int  # the sheet's row number as the office sees it (header = 1)
    column: str  # the column header as in the file, "" when the whole row is wrong
    message: str  # Chinese, says what to change


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, object]:
        return {"created": self.created, "updated": self.updated, "errors": [asdict(e) for e in self.errors]}


class Importer(Protocol):
    def __call__(
        self, actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
    ) -> ImportResult: ...


@dataclass(frozen=True)
class RegisteredImporter:
    kind: str
    label: str  # 科普教育基地, 科普专家, ...
    run: Importer


_IMPORTERS: dict[str, RegisteredImporter] = {}


def register_importer(kind: str, label: str, run: Importer | Callable[..., ImportResult]) -> None:
    """Called from an app's ``ready``; an import writes nothing when ``errors`` is not empty."""
    _IMPORTERS[kind] = RegisteredImporter(kind, label, run)


def importer(kind: str) -> RegisteredImporter:
    if kind not in _IMPORTERS:
        known = "、".join(sorted(_IMPORTERS)) or "（无）"
        raise KeyError(f"没有“{kind}”这种登记库；可导入：{known}")
    return _IMPORTERS[kind]


def importers() -> list[RegisteredImporter]:
    return sorted(_IMPORTERS.values(), key=lambda item: item.kind)


# The registries' count refreshers: each recomputes, for a year, every indicator value its count rules
# and standard figures define, wherever it has rows or rules (``kesu refresh_registry_counts`` runs them
# all); returns how many values it wrote.
CountRefresher = Callable[[int], int]
_REFRESHERS: dict[str, CountRefresher] = {}


def register_count_refresher(kind: str, refresh: CountRefresher) -> None:
    _REFRESHERS[kind] = refresh


def count_refreshers() -> dict[str, CountRefresher]:
    return dict(sorted(_REFRESHERS.items()))
