from django.urls import path

from accord.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("token/", views.regenerate_token, name="regenerate_token"),
]
