"""Change-control pages, mounted under /programs/<program_id>/changes/."""

from django.urls import path

from accord.change_control import views

app_name = "change_control"
urlpatterns = [
    path("", views.change_list, name="change_list"),
    path("new/", views.change_form, name="change_create"),
    path("<int:pk>/", views.change_detail, name="change_detail"),
    path("<int:pk>/edit/", views.change_form, name="change_edit"),
    path("<int:pk>/move/", views.change_move, name="change_move"),
    path("<int:pk>/vote/", views.change_vote, name="change_vote"),
    path("<int:pk>/clinical-signoff/", views.change_signoff, name="change_signoff"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed-token/", views.feed_token, name="feed_token"),
    path("windows/new/", views.window_create, name="window_create"),
    path("reconciliation/", views.reconciliation_report, name="reconciliation"),
    path("reconciliation/<int:pk>/flag/", views.finding_flag, name="finding_flag"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<slug:step>/", views.plan_step, name="plan_step"),
]
