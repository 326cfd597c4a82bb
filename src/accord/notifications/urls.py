"""A person's notification pages, mounted at /notifications/ (they span every program)."""

from django.urls import path

from accord.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
]
