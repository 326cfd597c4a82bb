from django.urls import path

from accord.programs import views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("new/", views.program_create, name="program_create"),
    path("<int:program_id>/", views.program_home, name="program_home"),
    path("<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path("<int:program_id>/people/", views.membership_list, name="membership_list"),
    path("<int:program_id>/people/add/", views.membership_add, name="membership_add"),
    path("<int:program_id>/people/<int:pk>/", views.membership_change, name="membership_change"),
    path("<int:program_id>/audit/", views.audit_list, name="audit_list"),
    path(
        "<int:program_id>/audit/<str:object_type>/<str:object_id>/",
        views.record_history,
        name="record_history",
    ),
]
