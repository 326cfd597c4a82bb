"""A person's notification pages, mounted at /notifications/ (they span every program)."""

from django.urls import path

from accord.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification_list"),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]
