"""SLA pages, mounted under /programs/<program_id>/sla/."""

from django.urls import path

from accord.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.ContractFormView.as_view(), name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.ContractFormView.as_view(), name="contract_edit"),
    path("<int:pk>/targets/new/", views.target_create, name="target_create"),
    path("<int:pk>/targets/<int:target_pk>/", views.target_edit, name="target_edit"),
    path("<int:pk>/policy/", views.policy_edit, name="policy_edit"),
    path("<int:pk>/policy/fields/", views.policy_structured, name="policy_structured"),
    path("<int:pk>/policy/<int:version_pk>.yaml", views.policy_export, name="policy_export"),
    path("<int:pk>/import/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/tickets/", views.ticket_history, name="ticket_history"),
    path("<int:pk>/compute/", views.compute, name="compute"),
    path("computations/<int:pk>/", views.compute_job, name="compute_job"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report/export/", views.report_export, name="report_export"),
    path("<int:pk>/report/issue/", views.period_issue, name="period_issue"),
    path("periods/<int:pk>/reopen/", views.period_reopen, name="period_reopen"),
    path("<int:pk>/disputes/", views.dispute_list, name="dispute_list"),
    path("<int:pk>/disputes/new/", views.dispute_raise, name="dispute_raise"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/answer/", views.dispute_answer, name="dispute_answer"),
    path("disputes/<int:pk>/settle/", views.dispute_settle, name="dispute_settle"),
]
