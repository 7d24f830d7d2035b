"""Every write to surveys, one module per stage: instruments, waves, the web questionnaire,
imported responses, estimation and indicator values.

Callers keep writing ``from kesu.survey import actions`` and ``actions.import_frame(...)``: the
public names are gathered here.
"""

from __future__ import annotations

from kesu.survey.actions._common import MAX_ERRORS, SurveyError
from kesu.survey.actions.estimation import run_estimation, start_estimation
from kesu.survey.actions.indicator_values import INDICATOR_CODE, published_figures, record_indicators
from kesu.survey.actions.instruments import (
    EXPORT_HEADERS,
    ITEM_COLUMNS,
    ITEM_TYPES,
    STARTER_BANK,
    import_instrument,
    import_starter_bank,
    instrument_rows,
    new_version,
    parse_items,
)
from kesu.survey.actions.questionnaire import (
    QuotaFullError,
    TooManyStartsError,
    answer_item,
    check_profile,
    mark_shown,
    next_item,
    public_starts,
    refuse_full_quota,
    save_profile,
    start_public_response,
    submit_response,
)
from kesu.survey.actions.responses import (
    RESPONSE_COLUMNS,
    RESPONSE_TEMPLATE_NOTE,
    RESPONSES_JOB,
    import_responses,
    response_template_headers,
    start_responses_import,
)
from kesu.survey.actions.waves import (
    FRAME_COLUMNS,
    WAVE_FILE_JOB,
    create_wave,
    import_frame,
    import_margins,
    issue_codes,
    parse_quotas,
    population_margins,
    prefill_margins,
    quota_progress,
    set_quotas,
    set_status,
    update_weighting,
    wave_file_starter,
)

__all__ = [
    "WAVE_FILE_JOB",
    "wave_file_starter",
    "RESPONSES_JOB",
    "start_responses_import",
    "EXPORT_HEADERS",
    "FRAME_COLUMNS",
    "INDICATOR_CODE",
    "ITEM_COLUMNS",
    "ITEM_TYPES",
    "MAX_ERRORS",
    "QuotaFullError",
    "RESPONSE_COLUMNS",
    "RESPONSE_TEMPLATE_NOTE",
    "STARTER_BANK",
    "SurveyError",
    "TooManyStartsError",
    "answer_item",
    "check_profile",
    "create_wave",
    "import_frame",
    "import_instrument",
    "import_margins",
    "import_responses",
    "import_starter_bank",
    "instrument_rows",
    "issue_codes",
    "mark_shown",
    "new_version",
    "next_item",
    "parse_items",
    "parse_quotas",
    "population_margins",
    "prefill_margins",
    "published_figures",
    "quota_progress",
    "record_indicators",
    "refuse_full_quota",
    "response_template_headers",
    "run_estimation",
    "save_profile",
    "set_quotas",
    "set_status",
    "start_estimation",
    "start_public_response",
    "public_starts",
    "submit_response",
    "update_weighting",
]
