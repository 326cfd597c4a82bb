"""Transparency pages, mounted under /programs/<id>/transparency/."""

from django.urls import path

from accord.transparency import views

app_name = "transparency"
urlpatterns = [
    path("", views.Roster.as_view(), name="roster"),
    path("assignments/new/", views.AssignmentFormView.as_view(), name="assignment_create"),
    path("assignments/<int:pk>/edit/", views.AssignmentFormView.as_view(), name="assignment_edit"),
    path("open-doors/new/", views.OpenDoorFormView.as_view(), name="open_door_create"),
    path("open-doors/<int:pk>/edit/", views.OpenDoorFormView.as_view(), name="open_door_edit"),
    path("questions/", views.QuestionBoard.as_view(), name="question_board"),
    path("questions/<int:pk>/answer/", views.QuestionAnswer.as_view(), name="question_answer"),
    path("concerns/new/", views.ConcernSubmit.as_view(), name="concern_submit"),
    path("concerns/receipt/", views.ConcernReceipt.as_view(), name="concern_receipt"),
    path("concerns/", views.ConcernList.as_view(), name="concern_list"),
    path("concerns/<uuid:pk>/", views.ConcernDetail.as_view(), name="concern_detail"),
    path("concerns/<uuid:pk>/answer/", views.ConcernAnswer.as_view(), name="concern_answer"),
    path("concerns/<uuid:pk>/state/", views.ConcernTransition.as_view(), name="concern_transition"),
    path("concerns/<uuid:pk>/convert/", views.ConcernConvert.as_view(), name="concern_convert"),
    path("surveys/", views.SurveyList.as_view(), name="survey_list"),
    path("surveys/new/", views.SurveyCreate.as_view(), name="survey_create"),
    path("surveys/<int:pk>/", views.SurveyDetail.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/open/", views.SurveyOpen.as_view(), name="survey_open"),
    path("surveys/<int:pk>/close/", views.SurveyClose.as_view(), name="survey_close"),
    path("surveys/<int:pk>/respond/", views.SurveyRespond.as_view(), name="survey_respond"),
    path("trust/", views.TrustIndexView.as_view(), name="trust_index"),
]
