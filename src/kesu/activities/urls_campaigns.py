from django.urls import path

from kesu.activities import views_campaigns as views

urlpatterns = [
    path("campaigns/", views.CampaignList.as_view(), name="campaign_list"),
    path("campaigns/new/", views.CampaignCreate.as_view(), name="campaign_create"),
    path("campaigns/<int:campaign_id>/", views.CampaignDetail.as_view(), name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", views.CampaignEdit.as_view(), name="campaign_edit"),
    path("campaigns/<int:campaign_id>/summary.docx", views.campaign_summary, name="campaign_summary"),
    path("campaigns/<int:campaign_id>/summary.xlsx", views.campaign_table, name="campaign_table"),
    path("report-entries/<int:entry_id>/accept/", views.accept_report_figures, name="accept_report_figures"),
]
