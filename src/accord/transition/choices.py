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
