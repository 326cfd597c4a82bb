"""The kinds of event a person can be notified of; each kind has its own e-mail preference."""

from __future__ import annotations

from django.db import models


class NotificationKind(models.TextChoices):
    RED_FLAG_RAISED = "red_flag_raised", "A red flag was raised"
    RED_FLAG_ESCALATED = "red_flag_escalated", "A red flag was escalated to you"
    RED_FLAG_ASSIGNED = "red_flag_assigned", "A red flag was assigned to you"
    RED_FLAG_ANSWERED = "red_flag_answered", "A red flag you raised was answered"
    MENTION = "mention", "You were mentioned"
    COMMITMENT_DUE = "commitment_due", "A commitment is due"
    ENDORSEMENT_REQUESTED = "endorsement_requested", "Your endorsement is requested"
    MEETING_ACTION = "meeting_action", "A meeting action was given to you"
    TRAINING_DUE = "training_due", "A required training is missing, overdue or expiring"
    OTHER = "other", "Other news"
