"""Guess a unit's kind from its name, the way a clerk would read it. No Django here."""

from __future__ import annotations

import re

# Order matters: 团市委 is a mass organisation though it contains 委; 市委组织部 is a party department.
_RULES: list[tuple[str, str]] = [
    (r"^团.{0,2}委$|团委$|妇联|总工会|科协|社科联|工商联|文联|残联|侨联", "mass"),
    (r"^(市|县|区|镇)?委.*(部|办|室)$|^(市|县|区)委", "party"),
    (r"大学|学院|学校", "university"),
    (r"农科院|科学院|研究院|研究所", "research"),
    (r"集团|公司|报社|电视台|融媒体中心", "enterprise"),
    (r"人民政府$|办事处$|管委会$", "subregion"),
]


def guess_unit_kind(name: str) -> str:
    for pattern, kind in _RULES:
        if re.search(pattern, name):
            return kind
    return "government"
