"""Alignment pages, mounted under /programs/<program_id>/alignment/."""

from django.urls import path

from accord.alignment import views

app_name = "alignment"
urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("grid/", views.group_grid, name="group_grid"),
    path("groups/new/", views.GroupFormView.as_view(), name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.GroupFormView.as_view(), name="group_edit"),
    path("groups/<int:group_pk>/readiness/new/", views.readiness_create, name="readiness_create"),
    path("ledger/", views.ledger, name="ledger"),
    path("impacts/new/", views.ImpactFormView.as_view(), name="impact_create"),
    path("impacts/<int:pk>/edit/", views.ImpactFormView.as_view(), name="impact_edit"),
    path("strategy/", views.version_list, name="version_list"),
    path("strategy/new/", views.version_create, name="version_create"),
    path("strategy/<int:pk>/", views.version_detail, name="version_detail"),
    path("strategy/<int:pk>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("strategy/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("strategy/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("strategy/<int:pk>/endorse/<int:group_pk>/", views.endorsement_decide, name="endorsement_decide"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments/new/", views.CommitmentFormView.as_view(), name="commitment_create"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", views.CommitmentFormView.as_view(), name="commitment_edit"),
    path("commitments/<int:pk>/status/", views.commitment_status, name="commitment_status"),
    path("commitments/<int:pk>/notes/", views.commitment_note, name="commitment_note"),
    path("index/", views.alignment_index, name="index"),
    path("index/weights/", views.weights_edit, name="weights_edit"),
]
