"""科普活动: /activities/… (campaigns and resources are in their own url modules, same namespace)."""

from django.urls import path

from kesu.activities import views

urlpatterns = [
    path("", views.ActivityList.as_view(), name="activity_list"),
    path("new/", views.ActivityCreate.as_view(), name="activity_create"),
    path("import/", views.ActivityImport.as_view(), name="activity_import"),
    path("import/template/", views.import_template, name="activity_import_template"),
    path("review/", views.review_queue, name="activity_review_queue"),
    path("people/", views.people_options, name="people_options"),
    path("<int:activity_id>/", views.ActivityDetail.as_view(), name="activity"),
    path("<int:activity_id>/edit/", views.ActivityEdit.as_view(), name="activity_edit"),
    path("<int:activity_id>/submit/", views.activity_submit, name="activity_submit"),
    path("<int:activity_id>/review/", views.activity_review, name="activity_review"),
    path("photos/<int:photo_id>/", views.activity_photo, {"size": "thumb"}, name="activity_thumb"),
    path("photos/<int:photo_id>/full/", views.activity_photo, {"size": "full"}, name="activity_photo"),
]
