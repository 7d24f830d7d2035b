"""Demographic categories of respondents, as the national survey publishes them.

The labels equal those of ../data/reference/csl_published.csv, so local estimates line up with the
national figures. Occupations map to the key groups (重点人群) of the 纲要.
"""

from __future__ import annotations

SEXES = ("男", "女")
AGE_GROUPS = ("18-29", "30-39", "40-49", "50-59", "60-69")
EDUCATION = ("小学及以下", "初中", "高中", "大专", "本科及以上")
URBAN_RURAL = ("城镇", "农村")

ELDERLY = "老年人"
# Occupation → key group. 老年人 (60–69) is decided by age and takes precedence, because the
# 纲要 counts every older adult in that group whatever their last occupation.
OCCUPATIONS: dict[str, str] = {
    "农林牧渔业生产人员": "农民",
    "生产制造及有关人员": "产业工人",
    "建筑、运输等一线工人": "产业工人",
    "党政机关、群团和事业单位负责人": "领导干部和公务员",
    "公务员及机关工作人员": "领导干部和公务员",
    "专业技术人员": "其他",
    "办事人员和有关人员": "其他",
    "商业、服务业人员": "其他",
    "学生": "其他",
    "离退休人员": "其他",
    "无业、失业或料理家务": "其他",
    "其他": "其他",
}
KEY_GROUPS = ("农民", "产业工人", ELDERLY, "领导干部和公务员", "其他")

CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "age_group": AGE_GROUPS,
    "education": EDUCATION,
    "urban_rural": URBAN_RURAL,
    "key_group": KEY_GROUPS,
}

# Weighting and domain variables: code → (Chinese name, accepted spellings in imported files).
VARIABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "region": ("区域", ("区域", "乡镇", "区划", "乡镇街道", "region")),
    "sex": ("性别", ("性别", "sex")),
    "age_group": ("年龄组", ("年龄组", "年龄段", "age_group", "agegrp", "age")),
    "education": ("文化程度", ("文化程度", "学历", "education", "edu")),
    "urban_rural": ("城乡", ("城乡", "urban_rural", "urban")),
    "key_group": ("重点人群", ("重点人群", "key_group")),
}
MARGIN_VARIABLES = ("region", "sex", "age_group", "education", "urban_rural")
DOMAIN_VARIABLES = ("region", "sex", "age_group", "education", "urban_rural", "key_group")
# Series of csl_published.csv that correspond to a domain variable.
PUBLISHED_SERIES = {"sex": "sex", "age_group": "age", "education": "education", "urban_rural": "urban_rural"}


def variable_label(code: str) -> str:
    return VARIABLES[code][0] if code in VARIABLES else code


def variable_code(name: str) -> str | None:
    """The variable an imported column or margin row names, in Chinese or English."""
    cleaned = name.strip().lower()
    for code, (_label, spellings) in VARIABLES.items():
        if cleaned in spellings:
            return code
    return None


def age_group_of(age: int) -> str:
    """18-29, 30-39, … 60-69; ages outside 18–69 are rejected before this is called."""
    if age < 30:
        return "18-29"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def key_group_of(age: int, occupation: str) -> str:
    if age >= 60:
        return ELDERLY
    return OCCUPATIONS.get(occupation, "其他")
