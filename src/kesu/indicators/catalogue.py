"""The standard catalogue: the indicators the seed plans set targets on, with stable codes.

Each entry: code, name, unit, aggregation, temporal, source, definition, and for ratios the
scale and the indicator whose value is the denominator. ``SUGGESTIONS`` maps the words a plan
uses to a code; the parser's indicator phrase is matched against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    unit: str
    aggregation: str = "sum"
    temporal: str = "stock"
    source: str = ""
    definition: str = ""
    scale: float = 100.0
    numerator_label: str = ""
    denominator_code: str = ""
    denominator_label: str = ""
    disaggregations: str = ""


CATALOGUE: list[Entry] = [
    Entry(
        "literacy_rate",
        "公民具备科学素质的比例",
        "%",
        "ratio",
        "stock",
        "素质调查",
        "18—69岁常住人口中具备科学素质者所占比例（全国公民科学素质抽样调查口径）。",
        numerator_label="具备科学素质人数（加权）",
        denominator_code="adult_population",
        denominator_label="18—69岁常住人口",
    ),
    Entry("population", "常住人口", "人", "sum", "stock", "统计部门", "年末常住人口。"),
    # The other denominator of 人均科普经费 (kesu.funding): some standards count per 户籍人口.
    Entry("registered_population", "户籍人口", "人", "sum", "stock", "统计部门", "年末户籍人口。"),
    Entry("adult_population", "18—69岁常住人口", "人", "sum", "stock", "统计部门", "年末18—69岁常住人口。"),
    Entry(
        "informant_count",
        "科普中国信息员注册人数",
        "人",
        "sum",
        "stock",
        "登记库（科普中国）",
        "在“科普中国”平台注册的信息员人数，期末累计。",
    ),
    Entry(
        "informant_rate",
        "科普中国信息员注册比例",
        "%",
        "ratio",
        "stock",
        "登记库（科普中国）",
        "科普中国信息员注册人数占常住人口的比例。",
        numerator_label="信息员注册人数",
        denominator_code="population",
        denominator_label="常住人口",
    ),
    Entry(
        "informant_coverage",
        "科普信息员覆盖率",
        "%",
        "ratio",
        "stock",
        "工作报送",
        "配备科普信息员的网格（村、社区）占全部网格的比例。",
        numerator_label="有信息员的网格数",
        denominator_label="网格总数",
    ),
    Entry(
        "base_count",
        "科普教育基地数",
        "个",
        "sum",
        "stock",
        "登记库（科普教育基地）",
        "经认定的科普教育基地数，按级别（国家级、省级、市级、县级）分组；期末累计。",
        disaggregations="级别",
    ),
    Entry(
        "base_new_count",
        "科普教育基地新认定数",
        "个",
        "sum",
        "flow",
        "登记库（科普教育基地）",
        "期内新认定的科普教育基地数（当年年末存量中上一年年末不在存量的单位）；期内各年相加。",
        disaggregations="级别",
    ),
    Entry(
        "base_county_coverage",
        "科普教育基地县域覆盖率",
        "%",
        "ratio",
        "stock",
        "登记库（科普教育基地）",
        "至少有 1 个有效科普教育基地的县（市、区）占全部县（市、区）的比例。",
        numerator_label="有基地的县（市、区）数",
        denominator_label="县（市、区）总数",
    ),
    Entry(
        "chief_expert_count",
        "首席科普专家数",
        "人",
        "sum",
        "stock",
        "登记库（专家）",
        "聘任的首席科普专家人数。",
    ),
    Entry("expert_count", "科普专家数", "人", "sum", "stock", "登记库（专家）", "纳入科普专家库的专家人数。"),
    Entry(
        "emergency_dispatch_count",
        "应急科普专家派遣次数",
        "次",
        "sum",
        "flow",
        "登记库（专家）",
        "期内应急科普事件中派遣专家的次数（一位专家一项任务计一次）。",
    ),
    Entry(
        "emergency_response_median_hours",
        "应急科普专家响应时间中位数",
        "小时",
        "none",
        "flow",
        "登记库（专家）",
        "期内已响应的派遣，从派遣到专家交出成果的时间的中位数；中位数不能相加，各级按本级及下级的全部派遣重新计算。",
    ),
    Entry(
        "volunteer_count",
        "注册科技志愿者数",
        "人",
        "sum",
        "stock",
        "登记库（志愿者）",
        "在科技志愿服务平台注册的科技志愿者人数。",
    ),
    Entry(
        "volunteer_team_count",
        "科技志愿服务队数",
        "个",
        "sum",
        "stock",
        "登记库（志愿者）",
        "组建的科技志愿服务队数。",
    ),
    Entry(
        "volunteer_service_count",
        "科技志愿服务活动次数",
        "次",
        "sum",
        "flow",
        "工作报送",
        "期内开展的科技志愿服务活动次数。",
    ),
    Entry(
        "vocational_training_count",
        "职业培训人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内完成的各类职业培训人次。",
    ),
    Entry(
        "high_skill_training_count",
        "高技能人才培训人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内完成的高技能人才培训人次。",
    ),
    Entry(
        "cpd_training_count",
        "专业技术人员继续教育人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内专业技术人员参加继续教育的人次。",
    ),
    Entry(
        "micro_video_count", "科普微视频期数", "期", "sum", "flow", "工作报送", "期内制作的科普微视频期数。"
    ),
    Entry(
        "school_lab_coverage",
        "中小学科技活动室覆盖率",
        "%",
        "ratio",
        "stock",
        "工作报送",
        "建有科技活动室的中小学占中小学总数的比例。",
        numerator_label="建有科技活动室的学校数",
        denominator_label="中小学总数",
    ),
    Entry(
        "science_teacher_training_count",
        "科学教师培训人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内完成的中小学（含农村学校）专兼职科学教师培训人次。",
    ),
    Entry(
        "sci_counselor_training_count",
        "科技辅导员培训人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内培训科技辅导员的人次。",
    ),
    Entry(
        "funding_total",
        "科普经费投入",
        "万元",
        "sum",
        "flow",
        "经费统计",
        "期内各级财政和社会投入的科普经费。登记库（科普经费）口径：各项目执行数之和，可按资金性质分列。",
    ),
    Entry(
        "funding_per_capita",
        "人均科普经费",
        "元",
        "ratio",
        "flow",
        "经费统计",
        "科普经费（元）除以常住人口。登记库（科普经费）口径：本级财政科普经费（财政拨款＋科普专项）到位数÷年末常住人口。",
        scale=1.0,
        numerator_label="科普经费（元）",
        denominator_code="population",
        denominator_label="常住人口",
    ),
    Entry(
        "health_literacy_rate",
        "居民健康素养水平",
        "%",
        "ratio",
        "stock",
        "卫生健康部门监测",
        "具备基本健康素养的居民所占比例。",
        numerator_label="具备健康素养人数",
        denominator_label="监测人口",
    ),
    Entry(
        "occupational_health_awareness",
        "职业健康知识知晓率",
        "%",
        "ratio",
        "stock",
        "卫生健康部门监测",
        "重点人群中知晓职业健康知识者所占比例。",
        numerator_label="知晓人数",
        denominator_label="调查人数",
    ),
    Entry(
        "health_education_event_count",
        "健康科普教育活动场次",
        "场",
        "sum",
        "flow",
        "工作报送",
        "期内开展的健康科普、健康教育活动场次（含“五进”活动）。",
    ),
    Entry(
        "youth_training_count", "青年培训场次", "场", "sum", "flow", "工作报送", "期内开展的青年培训场次。"
    ),
    Entry(
        "agri_tech_training_count",
        "农技人员培训人次",
        "人次",
        "sum",
        "flow",
        "工作报送",
        "期内培训农技人员的人次。",
    ),
    Entry(
        "farmer_training_count",
        "高素质农民培训人数",
        "人",
        "sum",
        "flow",
        "工作报送",
        "期内培训的高素质农民人数。",
    ),
    Entry(
        "migrant_skill_training_count",
        "农民工职业技能培训人数",
        "人",
        "sum",
        "flow",
        "工作报送",
        "期内对（新生代）农民工开展的职业技能培训人数，含补贴性培训。",
    ),
    Entry(
        "skilled_talent_new_count",
        "新增技能人才数",
        "人",
        "sum",
        "flow",
        "工作报送",
        "期内新增的技能人才人数。",
    ),
    Entry(
        "demo_cooperative_count",
        "市级以上示范合作社和家庭农场数",
        "家",
        "sum",
        "stock",
        "工作报送",
        "创建的市级以上示范合作社和示范家庭农场数。",
    ),
    Entry(
        "green_product_cert_count",
        "新增“两品一标”认证数",
        "个",
        "sum",
        "flow",
        "工作报送",
        "期内新增的“两品一标”产品认证数。",
    ),
    Entry(
        "science_activity_count",
        "科普活动场次",
        "场",
        "sum",
        "flow",
        "工作报送",
        "期内开展的各类科普活动场次。",
    ),
    # Counted from the activity rows (kesu.activities.counting); science_activity_count above too.
    Entry(
        "science_activity_attendance",
        "科普活动参与人次",
        "人次",
        "sum",
        "flow",
        "登记库（科普活动）",
        "期内已采用的科普活动的线下参与人次合计，多家单位合办的活动只计一次。",
    ),
    Entry(
        "expert_volunteer_service_count",
        "专家科普志愿服务次数",
        "次",
        "sum",
        "flow",
        "登记库（科普活动）",
        "期内有专家参与的已采用科普活动次数（一项活动计一次）。",
    ),
    # The 科技馆 system, mobile venues, 示范创建 and 表彰 (counted by kesu.venues.counting_system).
    Entry(
        "science_museum_count",
        "科技馆数",
        "个",
        "sum",
        "stock",
        "登记库（科技馆体系）",
        "登记的实体科技馆数，期末存量。",
    ),
    Entry(
        "science_museum_standard_count",
        "达标科技馆数",
        "个",
        "sum",
        "stock",
        "登记库（科技馆体系）",
        "达到《科学技术馆建设标准》的实体科技馆数，期末存量。",
    ),
    Entry(
        "rural_school_museum_count",
        "农村中学科技馆数",
        "个",
        "sum",
        "stock",
        "登记库（科技馆体系）",
        "农村中学科技馆数，期末存量。",
    ),
    Entry(
        "science_courtyard_count",
        "科技小院数",
        "个",
        "sum",
        "stock",
        "登记库（科技馆体系）",
        "科技小院数，期末存量。",
    ),
    Entry(
        "science_courtyard_county_coverage",
        "科技小院县域覆盖率",
        "%",
        "ratio",
        "stock",
        "登记库（科技馆体系）",
        "有科技小院的县（市、区）占全部县（市、区）的比例。",
        numerator_label="有科技小院的县（市、区）数",
        denominator_label="县（市、区）数",
    ),
    Entry(
        "science_museum_county_coverage",
        "科技馆县域覆盖率",
        "%",
        "ratio",
        "stock",
        "登记库（科技馆体系）",
        "有实体科技馆的县（市、区）占全部县（市、区）的比例。",
        numerator_label="有科技馆的县（市、区）数",
        denominator_label="县（市、区）数",
    ),
    Entry(
        "mobile_museum_stop_count",
        "流动科技馆巡展站次",
        "站",
        "sum",
        "flow",
        "登记库（科技馆体系）",
        "期内开始的流动科技馆巡展站点数。",
    ),
    Entry(
        "mobile_museum_visitors",
        "流动科技馆参观人次",
        "人次",
        "sum",
        "flow",
        "登记库（科技馆体系）",
        "期内开始的流动科技馆巡展站点的参观人次。",
    ),
    Entry(
        "caravan_trip_count",
        "科普大篷车活动次数",
        "次",
        "sum",
        "flow",
        "登记库（科技馆体系）",
        "期内科普大篷车出车活动次数。",
    ),
    Entry(
        "caravan_visitors",
        "科普大篷车受众人次",
        "人次",
        "sum",
        "flow",
        "登记库（科技馆体系）",
        "期内科普大篷车活动受众人次。",
    ),
    Entry(
        "demo_creation_count",
        "科普示范创建命名数",
        "个",
        "sum",
        "stock",
        "登记库（科技馆体系）",
        "验收命名、且在创建周期内的科普示范县（市、区）、社区、村、学校和基地数，按类型分组。",
        disaggregations="类型",
    ),
    Entry(
        "award_count",
        "表彰奖励数",
        "个",
        "sum",
        "flow",
        "登记库（科技馆体系）",
        "期内公布的表彰奖励（个人、单位、基地）数。",
    ),
    # Written from a 科普竞赛's figures (kesu.contests.actions.refresh_indicators), disaggregated by 竞赛.
    Entry(
        "contest_participants",
        "科普竞赛参赛人数",
        "人",
        "sum",
        "flow",
        "登记库（科普竞赛）",
        "参加全民/农民科学素质网络竞赛等科普竞赛的人数（平台导出或本系统答题统计），按竞赛分列。",
        disaggregations="竞赛",
    ),
    Entry(
        "contest_attempts",
        "科普竞赛参赛人次",
        "人次",
        "sum",
        "flow",
        "登记库（科普竞赛）",
        "参加科普竞赛的答题人次，按竞赛分列。",
        disaggregations="竞赛",
    ),
    Entry(
        "contest_participation_rate",
        "科普竞赛参与率",
        "%",
        "ratio",
        "flow",
        "登记库（科普竞赛）",
        "科普竞赛参赛人数除以常住人口（或竞赛选定的18—69岁常住人口），按竞赛分列。",
        numerator_label="参赛人数",
        denominator_code="population",
        denominator_label="常住人口",
        disaggregations="竞赛",
    ),
]

BY_CODE = {entry.code: entry for entry in CATALOGUE}

# (words in the plan's phrase, indicator code, disaggregation); checked against where each word
# occurs last in the phrase, so "职业培训4万人次、高技能人才培训" picks the later 高技能人才.
SUGGESTIONS: list[tuple[str, str]] = [
    ("科学素质", "literacy_rate"),
    ("信息员注册比例", "informant_rate"),
    ("常住人口的", "informant_rate"),
    ("信息员覆盖率", "informant_coverage"),
    ("信息员", "informant_count"),
    ("首席科普专家", "chief_expert_count"),
    ("科普专家", "expert_count"),
    ("志愿服务队", "volunteer_team_count"),
    ("志愿服务活动", "volunteer_service_count"),
    ("志愿者", "volunteer_count"),
    ("继续教育", "cpd_training_count"),
    ("高技能人才", "high_skill_training_count"),
    ("农民工", "migrant_skill_training_count"),
    ("补贴性职业技能培训", "migrant_skill_training_count"),
    ("职业培训", "vocational_training_count"),
    ("微视频", "micro_video_count"),
    ("科技活动室", "school_lab_coverage"),
    ("基地", "base_count"),
    ("健康素养", "health_literacy_rate"),
    ("职业健康", "occupational_health_awareness"),
    ("科学教师", "science_teacher_training_count"),
    ("科技辅导员", "sci_counselor_training_count"),
    ("健康教育活动", "health_education_event_count"),
    ("青年培训", "youth_training_count"),
    ("农技人员", "agri_tech_training_count"),
    ("高素质农民", "farmer_training_count"),
    ("技能人才", "skilled_talent_new_count"),
    ("示范合作社", "demo_cooperative_count"),
    ("两品一标", "green_product_cert_count"),
    ("人均科普经费", "funding_per_capita"),
    ("科普经费", "funding_total"),
]

BASE_LEVELS = ("国家级", "省级", "市级", "县级", "区级")


class Kind(StrEnum):
    """What a figure measures: a target is only ever judged against an indicator of the same kind."""

    COUNT = "count"  # 150个基地, 1500人
    RATE = "rate"  # 15%, share of a population
    COVERAGE = "coverage"  # 覆盖率: share of places (网格, 学校) that have something
    PER_UNIT = "per_unit"  # 每个网格1名, 人均 12元

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.COUNT: "总数",
    Kind.RATE: "比例",
    Kind.COVERAGE: "覆盖率",
    Kind.PER_UNIT: "每单位（人均）",
}
# 每个网格 / 每所学校 / 每万人 …: a figure per place or per head; 每年 / 每季度 are periods, not units.
_PER_UNIT = re.compile(
    r"人均|每(?!年|季|月|半年|周|天|日|期|次)(?:个|一个|一|所|家|座|名)?"
    r"(?:网格|村|社区|乡镇|街道|学校|中小学|县|区|市|单位|企业|基地|户|万人|千人|百人|人|馆)"
)


def indicator_kind(name: str, unit: str, aggregation: str = "sum") -> Kind:
    if name.startswith("人均") or name.startswith("每"):
        return Kind.PER_UNIT
    if unit == "%":
        return Kind.COVERAGE if "覆盖" in name else Kind.RATE
    return Kind.COUNT


def target_kind(phrase: str, text: str = "", unit: str = "") -> Kind:
    """The kind of a plan's target from its wording: 每个网格明确1名科普信息员 is per grid, not a total."""
    if _PER_UNIT.search(phrase) or _PER_UNIT.search(text):
        return Kind.PER_UNIT
    if unit == "%":
        return Kind.COVERAGE if "覆盖" in phrase or "覆盖" in text else Kind.RATE
    return Kind.COUNT


def kind_mismatch(phrase: str, text: str, unit: str, name: str, indicator_unit: str) -> str:
    """Why a target cannot be judged on an indicator (目标为每单位（人均），指标为总数), or ""."""
    wanted, offered = target_kind(phrase, text, unit), indicator_kind(name, indicator_unit)
    return "" if wanted is offered else f"目标口径为{wanted.label}，指标口径为{offered.label}"


# Longer words that end in a suggestion's words but name something else: 科普示范基地 is a 示范创建
# title, not a 科普教育基地, so "5个市级科普示范基地" must not be counted as bases.
NOT_MEANT: dict[str, tuple[str, ...]] = {"base_count": ("示范基地",)}


def _meant(haystack: str, words: str, code: str) -> bool:
    end = haystack.rfind(words) + len(words)
    return not any(haystack[max(0, end - len(longer)) : end] == longer for longer in NOT_MEANT.get(code, ()))


def suggest_code(phrase: str, text: str = "", unit: str = "") -> tuple[str, dict[str, str]] | None:
    """The code whose words end last in the phrase (else in the sentence), and its disaggregation.

    Only an indicator of the target's kind is suggested: a target in % matches a rate (or a
    coverage, when it speaks of 覆盖), a count only a count, and a per-grid or per-head target
    (每个网格明确1名科普信息员) never a total, so "信息员注册数量要达到常住人口的2%" goes to the
    registration rate and a per-grid target to nothing rather than to the count of informants.
    """
    kind = target_kind(phrase, text, unit)
    for haystack in (phrase, text):
        hits = [
            (haystack.rfind(words) + len(words), len(words), code)
            for words, code in SUGGESTIONS
            if words in haystack
            and indicator_kind(BY_CODE[code].name, BY_CODE[code].unit) is kind
            and _meant(haystack, words, code)
        ]
        if hits:
            code = max(hits)[2]
            return code, _disaggregation(code, f"{phrase}{text}")
    return None


def _disaggregation(code: str, text: str) -> dict[str, str]:
    if code != "base_count":
        return {}
    for level in BASE_LEVELS:
        if level in text:
            return {"级别": "县级" if level == "区级" else level}
    return {}
