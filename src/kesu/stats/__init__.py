"""Survey statistics core of Kesu: scoring, weighting and design-based estimation.

Plain Python and numpy (no Django): the survey app calls these functions, and so does the
command `kesu survey_estimate`. R's survey package is the reference the results must equal;
see docs/survey-statistics.md.
"""

from .design import CalibrationStep, Design, ProjectionTerm
from .errors import (
    InputDataError,
    LonelyPsuError,
    MarginMismatchError,
    RakingError,
    ScoringError,
    SurveyStatsError,
)
from .estimation import Estimate, estimate_by, estimate_levels, estimate_mean
from .scoring import (
    BENCHMARK_2016_RULE,
    CURRENT_RULE,
    MILLER_RULE,
    DimensionThresholdRule,
    DimensionWeightedRule,
    Grade,
    Item,
    ItemPointsRule,
    ScoreResult,
    ScoringRule,
    answer_key,
    encode_answers,
    score_answers,
)
from .weighting import (
    PoststratifyResult,
    RakeResult,
    WeightDiagnostics,
    poststratify,
    rake,
    trim_weights,
)

__all__ = [
    "BENCHMARK_2016_RULE",
    "CURRENT_RULE",
    "MILLER_RULE",
    "CalibrationStep",
    "Design",
    "DimensionThresholdRule",
    "DimensionWeightedRule",
    "Estimate",
    "Grade",
    "InputDataError",
    "Item",
    "ItemPointsRule",
    "LonelyPsuError",
    "MarginMismatchError",
    "PoststratifyResult",
    "ProjectionTerm",
    "RakeResult",
    "RakingError",
    "ScoreResult",
    "ScoringError",
    "ScoringRule",
    "SurveyStatsError",
    "WeightDiagnostics",
    "answer_key",
    "encode_answers",
    "estimate_by",
    "estimate_levels",
    "estimate_mean",
    "poststratify",
    "rake",
    "score_answers",
    "trim_weights",
]
