"""Alignment pages, mounted under /programs/<program_id>/alignment/."""

from django.urls import path

from accord.alignment import views

app_name = "alignment"
urlpatterns = [
    path("", views.GroupListView.as_view(), name="group_list"),
    path("grid/", views.GroupGridView.as_view(), name="group_grid"),
    path("groups/new/", views.GroupFormView.as_view(), name="group_create"),
    path("groups/<int:pk>/", views.GroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.GroupFormView.as_view(), name="group_edit"),
    path(
        "groups/<int:group_pk>/readiness/new/", views.ReadinessCreateView.as_view(), name="readiness_create"
    ),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("impacts/new/", views.ImpactFormView.as_view(), name="impact_create"),
    path("impacts/<int:pk>/edit/", views.ImpactFormView.as_view(), name="impact_edit"),
    path("strategy/", views.VersionListView.as_view(), name="version_list"),
    path("strategy/new/", views.VersionCreateView.as_view(), name="version_create"),
    path("strategy/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("strategy/<int:pk>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("strategy/<int:pk>/publish/", views.VersionPublishView.as_view(), name="version_publish"),
    path("strategy/<int:pk>/comments/", views.CommentCreateView.as_view(), name="comment_create"),
    path(
        "strategy/<int:pk>/endorse/<int:group_pk>/",
        views.EndorsementDecideView.as_view(),
        name="endorsement_decide",
    ),
    path("commitments/", views.CommitmentListView.as_view(), name="commitment_list"),
    path("commitments/new/", views.CommitmentFormView.as_view(), name="commitment_create"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment_detail"),
    path("commitments/<int:pk>/edit/", views.CommitmentFormView.as_view(), name="commitment_edit"),
    path("commitments/<int:pk>/status/", views.CommitmentStatusView.as_view(), name="commitment_status"),
    path("commitments/<int:pk>/notes/", views.CommitmentNoteView.as_view(), name="commitment_note"),
    path("index/", views.AlignmentIndexView.as_view(), name="index"),
    path("index/weights/", views.WeightsEditView.as_view(), name="weights_edit"),
]
