"""Meeting pages, mounted under /programs/<id>/meetings/."""

from django.urls import path

from accord.meetings import pack_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.MeetingList.as_view(), name="meeting_list"),
    path("new/", views.MeetingFormView.as_view(), name="meeting_create"),
    path("board-pack/", pack_views.BoardPackForDate.as_view(), name="board_pack"),
    path("board-pack.pdf", pack_views.BoardPackForDate.as_view(pdf=True), name="board_pack_pdf"),
    path("actions/mine/", views.MyActions.as_view(), name="my_actions"),
    path("actions/<int:pk>/done/", views.ActionComplete.as_view(), name="action_complete"),
    path("actions/<int:pk>/commitment/", views.ActionCommitment.as_view(), name="action_commitment"),
    path("<int:pk>/", views.MeetingDetail.as_view(), name="meeting_detail"),
    path("<int:pk>/edit/", views.MeetingFormView.as_view(), name="meeting_edit"),
    path("<int:pk>/draft-agenda/", views.MeetingDraftAgenda.as_view(), name="meeting_draft_agenda"),
    path("<int:pk>/held/", views.MeetingHold.as_view(), name="meeting_hold"),
    path("<int:pk>/items/", views.AgendaItemAdd.as_view(), name="agenda_item_add"),
    path(
        "<int:pk>/items/<int:item_pk>/minutes/", views.AgendaItemMinutes.as_view(), name="agenda_item_minutes"
    ),
    path(
        "<int:pk>/items/<int:item_pk>/decisions/",
        views.AgendaItemDecision.as_view(),
        name="agenda_item_decision",
    ),
    path(
        "<int:pk>/items/<int:item_pk>/actions/", views.AgendaItemAction.as_view(), name="agenda_item_action"
    ),
    path("<int:pk>/minutes/", views.MeetingMinutes.as_view(), name="meeting_minutes"),
    path("<int:pk>/minutes.pdf", views.MeetingMinutesPdf.as_view(), name="meeting_minutes_pdf"),
    path("<int:pk>/board-pack/", pack_views.BoardPackForMeeting.as_view(), name="meeting_board_pack"),
    path(
        "<int:pk>/board-pack.pdf",
        pack_views.BoardPackForMeeting.as_view(pdf=True),
        name="meeting_board_pack_pdf",
    ),
]
