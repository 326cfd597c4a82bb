"""Transition pages, mounted under /programs/<program_id>/transition/."""

from django.urls import path

from accord.transition import views

app_name = "transition"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("services/", views.ServiceListView.as_view(), name="service_list"),
    path("services/new/", views.ServiceFormView.as_view(), name="service_create"),
    path("services/import/", views.ServiceImportView.as_view(), name="service_import"),
    path("services/import/confirm/", views.ServiceImportConfirmView.as_view(), name="service_import_confirm"),
    path("services/<int:pk>/", views.ServiceDetailView.as_view(), name="service_detail"),
    path("services/<int:pk>/edit/", views.ServiceFormView.as_view(), name="service_edit"),
    path("services/<int:pk>/sign-off/", views.ServiceSignOffView.as_view(), name="service_sign_off"),
    path("services/<int:pk>/stage/", views.ServiceStageView.as_view(), name="service_stage"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("exit-criteria/<str:stage>/", views.ExitCriteriaFormView.as_view(), name="exit_criteria_edit"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.KnowledgeTemplateFormView.as_view(), name="template_create"),
    path("templates/<int:pk>/edit/", views.KnowledgeTemplateFormView.as_view(), name="template_edit"),
    path("knowledge/", views.KnowledgeListView.as_view(), name="knowledge_list"),
    path("knowledge/new/", views.KnowledgeItemFormView.as_view(), name="knowledge_create"),
    path("knowledge/<int:pk>/", views.KnowledgeDetailView.as_view(), name="knowledge_detail"),
    path("knowledge/<int:pk>/edit/", views.KnowledgeItemFormView.as_view(), name="knowledge_edit"),
    path("knowledge/<int:pk>/review/", views.KnowledgeReviewView.as_view(), name="knowledge_review"),
    path("knowledge/<int:pk>/attach/", views.KnowledgeAttachView.as_view(), name="knowledge_attach"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("interviews/new/", views.InterviewFormView.as_view(), name="interview_create"),
    path("interviews/<int:pk>/edit/", views.InterviewFormView.as_view(), name="interview_edit"),
    path("training/", views.TrainingView.as_view(), name="training_matrix"),
    path("training/modules/new/", views.TrainingModuleFormView.as_view(), name="module_create"),
    path("training/modules/<int:pk>/edit/", views.TrainingModuleFormView.as_view(), name="module_edit"),
    path("training/record/", views.TrainingRecordView.as_view(), name="training_record"),
    path("training/records/<int:pk>/attest/", views.TrainingAttestView.as_view(), name="training_attest"),
]
