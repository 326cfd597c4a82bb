from django.urls import path

from accord.programs import views

app_name = "programs"
urlpatterns = [
    path("", views.ProgramListView.as_view(), name="program_list"),
    path("new/", views.ProgramCreateView.as_view(), name="program_create"),
    path("<int:program_id>/", views.ProgramHomeView.as_view(), name="program_home"),
    path("<int:program_id>/edit/", views.ProgramEditView.as_view(), name="program_edit"),
    path(
        "<int:program_id>/save-as-template/",
        views.ProgramSaveAsTemplateView.as_view(),
        name="program_save_as_template",
    ),
    path("<int:program_id>/people/", views.MembershipListView.as_view(), name="membership_list"),
    path("<int:program_id>/people/add/", views.MembershipAddView.as_view(), name="membership_add"),
    path("<int:program_id>/people/<int:pk>/", views.MembershipChangeView.as_view(), name="membership_change"),
    path("<int:program_id>/audit/", views.AuditListView.as_view(), name="audit_list"),
    path(
        "<int:program_id>/audit/<str:object_type>/<str:object_id>/",
        views.RecordHistoryView.as_view(),
        name="record_history",
    ),
]
