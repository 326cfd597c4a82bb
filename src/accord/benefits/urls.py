"""Benefits pages, mounted under /programs/<program_id>/benefits/."""

from django.urls import path

from accord.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("strategy-map/", views.StrategyMapView.as_view(), name="strategy_map"),
    path("objectives/new/", views.ObjectiveFormView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/edit/", views.ObjectiveFormView.as_view(), name="objective_edit"),
    path("links/new/", views.ObjectiveLinkCreateView.as_view(), name="objective_link_create"),
    path("links/<int:pk>/delete/", views.ObjectiveLinkDeleteView.as_view(), name="objective_link_delete"),
    path("new/", views.BenefitFormView.as_view(), name="benefit_create"),
    path("<int:pk>/", views.BenefitDetailView.as_view(), name="benefit_detail"),
    path("<int:pk>/edit/", views.BenefitFormView.as_view(), name="benefit_edit"),
    path("kpis/", views.KpiListView.as_view(), name="kpi_list"),
    path("kpis/new/", views.KpiFormView.as_view(), name="kpi_create"),
    path("kpis/<int:pk>/", views.KpiDetailView.as_view(), name="kpi_detail"),
    path("kpis/<int:pk>/edit/", views.KpiFormView.as_view(), name="kpi_edit"),
    path("kpis/<int:pk>/measurements/", views.MeasurementAddView.as_view(), name="measurement_add"),
    path("measurements/import/", views.MeasurementImportView.as_view(), name="measurement_import"),
    path(
        "measurements/import/confirm/",
        views.MeasurementImportConfirmView.as_view(),
        name="measurement_import_confirm",
    ),
    path("initiatives/", views.InitiativeListView.as_view(), name="initiative_list"),
    path("initiatives/new/", views.InitiativeFormView.as_view(), name="initiative_create"),
    path("initiatives/<int:pk>/edit/", views.InitiativeFormView.as_view(), name="initiative_edit"),
    path("success-factors/", views.SuccessFactorListView.as_view(), name="success_factor_list"),
    path("success-factors/new/", views.SuccessFactorFormView.as_view(), name="success_factor_create"),
    path("success-factors/<int:pk>/edit/", views.SuccessFactorFormView.as_view(), name="success_factor_edit"),
]
