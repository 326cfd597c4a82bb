"""Governance pages, mounted under /programs/<program_id>/governance/."""

from django.urls import path

from accord.governance import views

app_name = "governance"
urlpatterns = [
    path("red-flags/", views.RedFlagListView.as_view(), name="red_flag_list"),
    path("red-flags/raise/", views.RaiseRedFlagView.as_view(), name="red_flag_raise"),
    path("red-flags/<int:pk>/", views.RedFlagDetailView.as_view(), name="red_flag_detail"),
    path("red-flags/<int:pk>/transition/", views.RedFlagTransitionView.as_view(), name="red_flag_transition"),
    path("red-flags/<int:pk>/comment/", views.RedFlagCommentView.as_view(), name="red_flag_comment"),
    path("red-flags/<int:pk>/merge/", views.RedFlagMergeView.as_view(), name="red_flag_merge"),
    path("red-flags/<int:pk>/escalate/", views.RedFlagEscalateView.as_view(), name="red_flag_escalate"),
    path("red-flags/<int:pk>/convert/", views.RedFlagConvertView.as_view(), name="red_flag_convert"),
    path("escalation/", views.EscalationRuleListView.as_view(), name="escalation_rules"),
    path("escalation/<int:pk>/edit/", views.EscalationRuleEditView.as_view(), name="escalation_rule_edit"),
    path("risks/", views.RiskListView.as_view(), name="risk_list"),
    path("risks/heat-map/", views.RiskHeatMapView.as_view(), name="risk_heat_map"),
    path("risks/new/", views.RiskFormView.as_view(), name="risk_create"),
    path("risks/<int:pk>/", views.RiskDetailView.as_view(), name="risk_detail"),
    path("risks/<int:pk>/edit/", views.RiskFormView.as_view(), name="risk_edit"),
    path("decisions/", views.DecisionListView.as_view(), name="decision_list"),
    path("decisions/new/", views.DecisionFormView.as_view(), name="decision_create"),
    path("decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.DecisionFormView.as_view(), name="decision_edit"),
]
