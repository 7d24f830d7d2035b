"""Hand corrections remembered on plans (the goal), tasks and targets, so a re-import keeps them.

Corrections made before this migration are read back from the audit trail: the first ``task.update`` or
``plan.goal_update`` since the plan's last re-import (a re-import overwrote anything earlier) and the first
``target.update`` of each target still there say what the document said; ``target.add`` marks targets the
office added.
"""

from django.db import migrations, models

TARGET_FIELDS = ("indicator", "value", "unit", "comparator", "year", "per_year")
ROLES = ("lead", "participating", "responsible")
GOAL_FIELDS = ("goal_value", "goal_comparator", "goal_year")


def _resolver(apps, region_id):
    Unit = apps.get_model("regions", "Unit")
    UnitAlias = apps.get_model("regions", "UnitAlias")
    UnitGroup = apps.get_model("regions", "UnitGroup")

    def key(name):
        unit = Unit.objects.filter(region_id=region_id, name=name).first()
        if unit is None:
            alias = UnitAlias.objects.filter(region_id=region_id, alias=name).first()
            unit = alias.unit if alias else None
        if unit is not None:
            return ("unit", unit.pk)
        group = UnitGroup.objects.filter(region_id=region_id, mention=name).first()
        return ("group", group.pk) if group else ("name", name)

    return lambda names: {key(name) for name in names}


def read_corrections_from_the_audit_trail(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    Task = apps.get_model("plans", "Task")
    Target = apps.get_model("plans", "Target")
    events = AuditEvent.objects.filter(target_type="plans.task").order_by("at", "pk")
    added = [e.after.get("target") for e in events.filter(verb="target.add") if e.after]
    Target.objects.filter(pk__in=[pk for pk in added if pk]).update(added_by_office=True)
    first_before: dict[int, dict] = {}
    for event in events.filter(verb="target.update"):
        pk = (event.after or {}).get("target")
        if pk and event.before and pk not in first_before:
            first_before[pk] = event.before
    for target in Target.objects.filter(pk__in=list(first_before), added_by_office=False):
        said = first_before[target.pk]
        target.corrections = {
            f: said[f] for f in TARGET_FIELDS if f in said and said[f] != getattr(target, f)
        }
        if target.corrections:
            target.save(update_fields=["corrections"])
    last_reimport = {
        int(e.target_id): e.at
        for e in AuditEvent.objects.filter(verb="plan.reimport", target_type="plans.plan").order_by("at")
    }
    first_task_before: dict[int, dict] = {}
    for event in events.filter(verb="task.update"):
        if event.before and int(event.target_id) not in first_task_before:
            first_task_before[int(event.target_id)] = event
    for task in Task.objects.filter(pk__in=list(first_task_before)).select_related("plan"):
        event = first_task_before[task.pk]
        since = last_reimport.get(task.plan_id)
        if since is not None and event.at < since:
            later = events.filter(verb="task.update", target_id=str(task.pk), at__gt=since).first()
            if later is None or not later.before:
                continue
            event = later
        said = event.before
        units = _resolver(apps, task.plan.region_id)
        now = {role: [r.mention for r in task.responsibilities.all() if r.role == role] for role in ROLES}
        corrections = {f: said[f] for f in ("title", "text") if f in said and said[f] != getattr(task, f)}
        corrections.update(
            {role: said[role] for role in ROLES if role in said and units(said[role]) != units(now[role])}
        )
        if corrections:
            task.corrections = corrections
            task.save(update_fields=["corrections"])
    _read_goal_corrections(apps, last_reimport)


def _read_goal_corrections(apps, last_reimport):
    AuditEvent = apps.get_model("core", "AuditEvent")
    Plan = apps.get_model("plans", "Plan")
    first: dict[int, dict] = {}
    for event in AuditEvent.objects.filter(verb="plan.goal_update", target_type="plans.plan").order_by("at", "pk"):
        plan_id = int(event.target_id)
        since = last_reimport.get(plan_id)
        if event.before and plan_id not in first and (since is None or event.at > since):
            first[plan_id] = event.before
    for plan in Plan.objects.filter(pk__in=list(first)):
        said = first[plan.pk]
        plan.corrections = {f: said[f] for f in GOAL_FIELDS if f in said and said[f] != getattr(plan, f)}
        if plan.corrections:
            plan.save(update_fields=["corrections"])


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_task_not_reported"),
        ("core", "0003_audit_origin_and_chain"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="corrections",
            field=models.JSONField(blank=True, default=dict, verbose_name="手工修改"),
        ),
        migrations.AddField(
            model_name="target",
            name="added_by_office",
            field=models.BooleanField(default=False, verbose_name="手工新增"),
        ),
        migrations.AddField(
            model_name="target",
            name="corrections",
            field=models.JSONField(blank=True, default=dict, verbose_name="手工修改"),
        ),
        migrations.AddField(
            model_name="task",
            name="corrections",
            field=models.JSONField(blank=True, default=dict, verbose_name="手工修改"),
        ),
        migrations.RunPython(read_corrections_from_the_audit_trail, migrations.RunPython.noop),
    ]
