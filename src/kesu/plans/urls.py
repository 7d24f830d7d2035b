from django.urls import path

from kesu.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("upload/", views.plan_upload, name="upload"),
    path("scans/<int:job_id>/", views.scan_progress, name="scan_progress"),
    path("compare/", views.plan_compare, name="compare"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/not-reported/", views.task_not_reported, name="task_not_reported"),
    path("tasks/<int:task_id>/targets/", views.task_target, name="task_target_add"),
    path("tasks/<int:task_id>/targets/<int:target_id>/", views.task_target, name="task_target"),
    path("units/<int:unit_id>/tasks/", views.unit_tasks, name="unit_tasks"),
    path("<int:plan_id>/", views.plan_detail, name="plan"),
    path("<int:plan_id>/mentions/", views.plan_mentions, name="mentions"),
    path("<int:plan_id>/publish/", views.plan_publish, name="publish"),
    path("<int:plan_id>/unpublish/", views.plan_unpublish, name="unpublish"),
    path("<int:plan_id>/delete/", views.plan_delete, name="delete"),
    path("<int:plan_id>/goal/", views.plan_goal, name="goal"),
    path("<int:plan_id>/reimport/", views.plan_reimport, name="reimport"),
]
