from django.urls import path

from accord.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("logout-everywhere/", views.LogoutEverywhereView.as_view(), name="logout_everywhere"),
    path("token/", views.RegenerateTokenView.as_view(), name="regenerate_token"),
]
