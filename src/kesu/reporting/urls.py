from django.urls import path
from django.views.generic import RedirectView

from kesu.reporting import views

app_name = "reporting"
urlpatterns = [
    path("todo/", views.todo, name="todo"),
    # The messages moved to the message centre; old links and bookmarks land there.
    path("notifications/", RedirectView.as_view(pattern_name="messaging:centre"), name="notifications"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/<int:cycle_id>/", views.cycle_board, name="cycle"),
    path("cycles/<int:cycle_id>/approve/", views.approve_together, name="approve_together"),
    path("cycles/<int:cycle_id>/summary/", views.cycle_summary, name="cycle_summary"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:report_id>/review/", views.report_review, name="report_review"),
    path("reports/<int:report_id>/reopen/", views.report_reopen, name="report_reopen"),
    path("reports/<int:report_id>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:report_id>/notice/", views.report_notice, name="report_notice"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("entries/<int:entry_id>/autosave/", views.entry_autosave, name="entry_autosave"),
    path("entries/<int:entry_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("entries/<int:entry_id>/notice/", views.notice_new, name="notice_new"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/attachment/", views.notice_attachment, name="notice_attachment"),
    path("assessments/", views.scheme_list, name="scheme_list"),
    path("assessments/<int:scheme_id>/", views.scheme_detail, name="scheme"),
    path("scores/<int:score_id>/", views.score_judge, name="score"),
]
