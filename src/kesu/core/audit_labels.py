"""Audit events in words an office reads: a snapshot's field names and values as the forms name them.

Snapshots keep field names (``is_member``) and raw values (``True``, ``government``) so they stay
comparable across versions; the audit pages translate them here, from the target model's own
verbose names and choices, with a few names the actions record that are not model fields.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

# Names actions record that are not fields of the target model (or are keys of a nested record).
EXTRA_LABELS = {
    "role": "角色",
    "region": "区划",
    "unit": "单位",
    "units": "单位",
    "liaison": "联络员",
    "token": "令牌",
    "prefix": "令牌前缀",
    "expires_at": "有效期至",
    "revoked_at": "撤销时间",
    "name": "名称",
    "title": "标题",
    "status": "状态",
    "version": "版本",
    "period": "期间",
    "percent": "完成百分比",
    "narrative": "进展情况",
    "comment": "意见",
    "comments": "审核意见",
    "reason": "原因",
    "value": "数值",
    "target": "目标",
    "targets": "目标",
    "due_date": "截止日期",
    "deadline": "办理时限",
    "alias": "别名",
    "aliases": "别名",
    "kind": "类别",
    "code": "代码",
    "path": "区划路径",
    "parent": "上级",
    "username": "用户名",
    "display_name": "姓名",
    "email": "电子邮箱",
    "mobile": "手机号",
    "is_active": "账号启用",
    "score": "得分",
    "file": "文件",
    "files": "文件",
}


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(target_type: str, name: str) -> str:
    field = _field(_model(target_type), name)
    verbose = str(getattr(field, "verbose_name", "") or "")
    if verbose and not verbose.isascii():
        return verbose
    return EXTRA_LABELS.get(name, name)


def value_label(target_type: str, name: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _field(_model(target_type), name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, list):
        return "、".join(str(value_label(target_type, name, v)) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{EXTRA_LABELS.get(k, k)}：{value_label(target_type, k, v)}" for k, v in value.items()
        )
    return value


def model_label(target_type: str) -> str:
    model = _model(target_type)
    return str(model._meta.verbose_name) if model is not None else target_type


def readable_changes(event: Any) -> list[tuple[str, Any, Any]]:
    """(label, before, after) of each changed field of an audit event, in Chinese."""
    kind = event.target_type
    return [
        (field_label(kind, name), value_label(kind, name, before), value_label(kind, name, after))
        for name, before, after in event.changed_fields
    ]
