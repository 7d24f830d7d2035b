"""Errors of the survey statistics core.

Every error carries one clear Chinese message naming what is wrong (a column, a row, a stratum,
a margin), so that the command line and the Django views can show it as is.
"""

from __future__ import annotations


class SurveyStatsError(ValueError):
    """Base class: bad input or a design the requested estimator cannot handle."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputDataError(SurveyStatsError):
    """A file or array is unreadable, a column is missing, a value is not a number."""


class ScoringError(SurveyStatsError):
    """The answer key, the items and the scoring rule do not fit together."""


class LonelyPsuError(SurveyStatsError):
    """A stratum has a single PSU, so its variance contribution cannot be estimated."""

    def __init__(self, strata: list[str]) -> None:
        self.strata = strata
        shown = "、".join(f"“{s}”" for s in strata[:10])
        more = f"等 {len(strata)} 个层" if len(strata) > 10 else ""
        super().__init__(
            f"层 {shown}{more} 只有 1 个初级抽样单元（PSU），无法估计该层的抽样方差。"
            "可选的处理办法：把它与相邻的层合并（collapse strata）；"
            "或把它当作必然入样单元，不计方差（lonely_psu='certainty'）；"
            "或以总体均值为中心计算其方差（lonely_psu='adjust'）。这些选项与 R survey 包的 survey.lonely.psu 相同，"
            "命令行用 --lonely-psu certainty 或 --lonely-psu adjust。"
        )


class MarginMismatchError(SurveyStatsError):
    """Population margins and the categories present in the data do not match."""


class RakingError(SurveyStatsError):
    """Iterative proportional fitting did not reach the population margins."""

    def __init__(self, message: str, margin: str) -> None:
        super().__init__(message)
        self.margin = margin
