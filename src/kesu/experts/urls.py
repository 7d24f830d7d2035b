from django.urls import path

from kesu.experts import views

app_name = "experts"
urlpatterns = [
    path("", views.ExpertList.as_view(), name="expert_list"),
    path("new/", views.ExpertCreate.as_view(), name="expert_create"),
    path("import/", views.ExpertImport.as_view(), name="expert_import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:expert_id>/", views.ExpertDetail.as_view(), name="expert"),
    path("<int:expert_id>/edit/", views.ExpertEdit.as_view(), name="expert_edit"),
    path("<int:expert_id>/reveal/", views.expert_reveal, name="expert_reveal"),
    path("<int:expert_id>/appointments/new/", views.appointment_add, name="appointment_add"),
    path("<int:expert_id>/activities/new/", views.activity_add, name="activity_add"),
    path("appointments/<int:appointment_id>/dismiss/", views.appointment_dismiss, name="appointment_dismiss"),
    path("appointments/<int:appointment_id>/renew/", views.appointment_renew, name="appointment_renew"),
    path("selections/", views.SelectionList.as_view(), name="selection_list"),
    path("selections/new/", views.SelectionCreate.as_view(), name="selection_create"),
    path("selections/<int:selection_id>/", views.SelectionDetail.as_view(), name="selection"),
    path("selections/<int:selection_id>/quota/", views.selection_quota, name="selection_quota"),
    path("selections/<int:selection_id>/apply/", views.selection_apply, name="selection_apply"),
    path("applications/", views.ApplicationList.as_view(), name="application_list"),
    path("applications/<int:application_id>/", views.ApplicationDetail.as_view(), name="application"),
    path("applications/<int:application_id>/advance/", views.application_advance, name="application_advance"),
    path("applications/<int:application_id>/return/", views.application_return, name="application_return"),
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.topic_create, name="topic_create"),
    path("roster/<int:topic_id>/edit/", views.topic_edit, name="topic_edit"),
    path("events/", views.EventList.as_view(), name="event_list"),
    path("events/new/", views.EventCreate.as_view(), name="event_create"),
    path("events/<int:emergency_id>/", views.EventDetail.as_view(), name="event"),
    path("events/<int:emergency_id>/dispatch/", views.dispatch_create, name="dispatch_create"),
    path("dispatches/<int:dispatch_id>/respond/", views.dispatch_respond, name="dispatch_respond"),
    path("rules/", views.count_rules, name="count_rules"),
    path("rules/<int:target_id>/", views.count_rule_edit, name="count_rule_edit"),
]
