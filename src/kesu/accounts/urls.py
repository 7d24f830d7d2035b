from django.urls import path

from kesu.accounts import views, views_security

app_name = "accounts"
urlpatterns = [
    path("login/", views_security.LoginView.as_view(), name="login"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/import/", views.liaison_import, name="liaison_import"),
    path("users/import/template.xlsx", views.liaison_import_template, name="liaison_import_template"),
    path("users/import/passwords.xlsx", views.liaison_import_passwords, name="liaison_import_passwords"),
    path("users/regions/", views.region_options, name="region_options"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:user_id>/disable/", views.user_disable, name="user_disable"),
    path("users/<int:user_id>/enable/", views.user_enable, name="user_enable"),
    path("users/<int:user_id>/handover/<int:unit_id>/", views.liaison_handover, name="liaison_handover"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("profile/token/", views_security.token_reset, name="token_reset"),
    path("profile/tokens/", views_security.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_security.token_revoke, name="token_revoke"),
    path("users/<int:user_id>/security/", views_security.user_security, name="user_security"),
    path("users/<int:user_id>/unlock/", views_security.user_unlock, name="user_unlock"),
]
