from __future__ import annotations

import django_filters

from kesu.survey.demographics import AGE_GROUPS, EDUCATION, KEY_GROUPS, SEXES, URBAN_RURAL
from kesu.survey.models import Respondent, RespondentStatus, Source


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class RespondentFilterSet(django_filters.FilterSet):
    """Used by the respondents page and the API alike."""

    status = django_filters.ChoiceFilter(label="状态", choices=RespondentStatus.choices)
    source = django_filters.ChoiceFilter(label="来源", choices=Source.choices)
    sex = django_filters.ChoiceFilter(label="性别", choices=_choices(SEXES))
    age_group = django_filters.ChoiceFilter(label="年龄组", choices=_choices(AGE_GROUPS))
    education = django_filters.ChoiceFilter(label="文化程度", choices=_choices(EDUCATION))
    urban_rural = django_filters.ChoiceFilter(label="城乡", choices=_choices(URBAN_RURAL))
    key_group = django_filters.ChoiceFilter(label="重点人群", choices=_choices(KEY_GROUPS))

    class Meta:
        model = Respondent
        fields = ["status", "source", "sex", "age_group", "education", "urban_rural", "key_group"]
