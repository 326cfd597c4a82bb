"""Change-control pages, mounted under /programs/<program_id>/changes/."""

from django.urls import path

from accord.change_control import views

app_name = "change_control"
urlpatterns = [
    path("", views.ChangeListView.as_view(), name="change_list"),
    path("new/", views.ChangeFormView.as_view(), name="change_create"),
    path("<int:pk>/", views.ChangeDetailView.as_view(), name="change_detail"),
    path("<int:pk>/edit/", views.ChangeFormView.as_view(), name="change_edit"),
    path("<int:pk>/move/", views.ChangeMoveView.as_view(), name="change_move"),
    path("<int:pk>/vote/", views.ChangeVoteView.as_view(), name="change_vote"),
    path("<int:pk>/clinical-signoff/", views.ChangeSignoffView.as_view(), name="change_signoff"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.TemplateFormView.as_view(), name="template_create"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/edit/", views.TemplateFormView.as_view(), name="template_edit"),
    path("templates/<int:pk>/approve/", views.TemplateApproveView.as_view(), name="template_approve"),
    path("templates/<int:pk>/retire/", views.TemplateRetireView.as_view(), name="template_retire"),
    path("templates/<int:pk>/raise/", views.StandardChangeRaiseView.as_view(), name="template_raise"),
    path("cab/", views.BoardEditView.as_view(), name="board_edit"),
    path("thresholds/", views.ThresholdsView.as_view(), name="thresholds"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/feed-token/", views.FeedTokenView.as_view(), name="feed_token"),
    path("windows/new/", views.WindowCreateView.as_view(), name="window_create"),
    path("reconciliation/", views.ReconciliationView.as_view(), name="reconciliation"),
    path("reconciliation/<int:pk>/flag/", views.FindingFlagView.as_view(), name="finding_flag"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:plan_pk>/items/new/", views.ActionItemFormView.as_view(), name="item_create"),
    path("plans/<int:pk>/<slug:step>/", views.PlanStepView.as_view(), name="plan_step"),
    path("plan-items/<int:pk>/edit/", views.ActionItemFormView.as_view(), name="item_edit"),
    path("plan-items/<int:pk>/progress/", views.ActionItemProgressView.as_view(), name="item_progress"),
]
