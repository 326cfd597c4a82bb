"""Kinds and states of the outsourcing transition: services, knowledge, handover stages and training."""

from django.db import models


class ServiceKind(models.TextChoices):
    APPLICATION = "application", "Application"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    SERVICE_DESK = "service_desk", "Service desk"
    INTEGRATION = "integration", "Integration"
    CLINICAL_SYSTEM = "clinical_system", "Clinical system"
    OTHER = "other", "Other"


class Criticality(models.IntegerChoices):
    # 1 is the most critical, as in ITIL priority and most hospital service catalogues.
    CRITICAL = 1, "1 (critical)"
    HIGH = 2, "2 (high)"
    MEDIUM = 3, "3 (medium)"
    LOW = 4, "4 (low)"


class HandoverStage(models.TextChoices):
    """Where a service stands in its handover; the order of the members is the order of the stages."""

    ACQUISITION = "acquisition", "Knowledge acquisition"
    SHADOW = "shadow", "Shadow (partner watches)"
    REVERSE_SHADOW = "reverse_shadow", "Reverse shadow (partner does, internal staff watch)"
    HANDOVER = "handover", "Handover (partner owns)"


class KnowledgeKind(models.TextChoices):
    INTERVIEW_GUIDE = "interview_guide", "Interview guide"
    RUNBOOK = "runbook", "Runbook"
    SOP = "sop", "Standard operating procedure"
    ACCESS_LIST = "access_list", "Access and credentials list (where secrets live, never the secrets)"
    VENDOR_CONTACTS = "vendor_contacts", "Vendor contacts"
    KNOWN_PROBLEMS = "known_problems", "Known problems"
    SCHEDULED_JOBS = "scheduled_jobs", "Scheduled jobs"
    OTHER = "other", "Other"


class KnowledgeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


class SignOffParty(models.TextChoices):
    INTERNAL = "internal", "Internal owner"
    PARTNER = "partner", "Partner owner"


class TrainingKind(models.TextChoices):
    COMPLIANCE = "compliance", "Compliance"
    SECURITY = "security", "Security"
    PRIVACY = "privacy", "Privacy (HIPAA)"
    CLINICAL_WORKFLOW = "clinical_workflow", "Clinical workflow"
    SYSTEM = "system", "System"
    OTHER = "other", "Other"


class TrainingStatus(models.TextChoices):
    """One cell of the completion matrix."""

    DONE = "done", "Done"
    EXPIRING = "expiring", "Expires within 30 days"
    EXPIRED = "expired", "Expired"
    OVERDUE = "overdue", "Missing, past its due date"
    TO_DO = "to_do", "To do"
    NOT_REQUIRED = "not_required", "Not required"


class ReminderKind(models.TextChoices):
    MISSING = "missing", "Missing"
    EXPIRED = "expired", "Expired"
    EXPIRING = "expiring", "Expiring"
