"""The base of every API serializer that accepts writes: free text is stored clean, as from forms."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.fields import empty

from kesu.text import clean_text


class CleanCharField(serializers.CharField):
    """A CharField whose input goes through ``clean_text`` before the blank and length checks."""

    def run_validation(self, data: Any = empty) -> Any:
        return super().run_validation(clean_text(data) if isinstance(data, str) else data)


class CleanTextModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields (CharField, TextField) are ``CleanCharField``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CleanCharField,
        models.TextField: CleanCharField,
    }
