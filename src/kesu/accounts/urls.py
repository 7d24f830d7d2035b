from django.urls import path

from kesu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.token_reset, name="token_reset"),
]
