"""SLA pages, mounted under /programs/<program_id>/sla/."""

from django.urls import path

from accord.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("new/", views.ContractFormView.as_view(), name="contract_create"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("<int:pk>/edit/", views.ContractFormView.as_view(), name="contract_edit"),
    path("<int:pk>/targets/new/", views.AttainmentTargetFormView.as_view(), name="target_create"),
    path("<int:pk>/targets/<int:target_pk>/", views.AttainmentTargetFormView.as_view(), name="target_edit"),
    path("<int:pk>/policy/", views.PolicyEditView.as_view(), name="policy_edit"),
    path("<int:pk>/policy/fields/", views.PolicyStructuredView.as_view(), name="policy_structured"),
    path("<int:pk>/policy/<int:version_pk>.yaml", views.PolicyExportView.as_view(), name="policy_export"),
    path("<int:pk>/import/", views.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("<int:pk>/tickets/", views.TicketHistoryView.as_view(), name="ticket_history"),
    path("<int:pk>/compute/", views.ComputeView.as_view(), name="compute"),
    path("computations/<int:pk>/", views.ComputeJobView.as_view(), name="compute_job"),
    path("<int:pk>/report/", views.ReportView.as_view(), name="report"),
    path("<int:pk>/report/export/", views.ReportExportView.as_view(), name="report_export"),
    path("<int:pk>/report/issue/", views.PeriodIssueView.as_view(), name="period_issue"),
    path("periods/<int:pk>/reopen/", views.PeriodReopenView.as_view(), name="period_reopen"),
    path("<int:pk>/disputes/", views.DisputeListView.as_view(), name="dispute_list"),
    path("<int:pk>/disputes/new/", views.DisputeRaiseView.as_view(), name="dispute_raise"),
    path("disputes/<int:pk>/", views.DisputeDetailView.as_view(), name="dispute_detail"),
    path("disputes/<int:pk>/answer/", views.DisputeAnswerView.as_view(), name="dispute_answer"),
    path("disputes/<int:pk>/settle/", views.DisputeSettleView.as_view(), name="dispute_settle"),
]
