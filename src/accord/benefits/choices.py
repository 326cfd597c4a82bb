"""Choices for the benefits area: strategy-map perspectives, HIMSS Value STEPS, statuses and kinds."""

from __future__ import annotations

from django.db import models


class Perspective(models.TextChoices):
    """Rows of the strategy map, from the outcome at the top to the foundations at the bottom."""

    PATIENTS_QUALITY = "patients_quality", "Patients and quality"
    CLINICIANS = "clinicians", "Clinicians"
    OPERATIONS = "operations", "Operations"
    FINANCE = "finance", "Finance"
    LEARNING_GROWTH = "learning_growth", "Learning and growth"


class ValueStepsCategory(models.TextChoices):
    """HIMSS Value STEPS: the five kinds of value a health IT program delivers."""

    SATISFACTION = "satisfaction", "Satisfaction"
    TREATMENT = "treatment", "Treatment/clinical"
    ELECTRONIC_INFORMATION = "electronic_information", "Electronic information/data"
    PREVENTION = "prevention", "Prevention and patient education"
    SAVINGS = "savings", "Savings"


class BenefitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    TRACKING = "tracking", "Tracking"
    REALISED = "realised", "Realised"
    AT_RISK = "at_risk", "At risk"
    ABANDONED = "abandoned", "Abandoned"


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase (higher is better)"
    DECREASE = "decrease", "Decrease (lower is better)"


class Frequency(models.TextChoices):
    """How often a KPI is measured; the value is the number of days after which it is overdue."""

    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Every six months"
    ANNUAL = "annual", "Annually"


# A measurement is overdue when none arrived within this many days of the previous one.
FREQUENCY_DAYS: dict[str, int] = {
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.SEMIANNUAL: 183,
    Frequency.ANNUAL: 366,
}


class Rag(models.TextChoices):
    """Red/amber/green, plus 'not assessed' for a success factor nobody has reviewed yet."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class SuccessDimension(models.TextChoices):
    """The alignment dimensions an EMR deployment needs at once (the seed); CUSTOM for a program's own."""

    PROCESS_CHANGE = "process_change", "Process change"
    TRAINING = "training", "Training"
    PHYSICIAN_ENGAGEMENT = "physician_engagement", "Physician engagement"
    SYSTEM_DESIGN = "system_design", "System design and configuration"
    DATA_INTEGRATION = "data_integration", "Data integration"
    REPORTING_TOOLS = "reporting_tools", "Reporting and analysis tools"
    OTHER = "other", "Other"
    CUSTOM = "custom", "Program-specific"


# Created for every new program, in this order.
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    SuccessDimension.PROCESS_CHANGE,
    SuccessDimension.TRAINING,
    SuccessDimension.PHYSICIAN_ENGAGEMENT,
    SuccessDimension.SYSTEM_DESIGN,
    SuccessDimension.DATA_INTEGRATION,
    SuccessDimension.REPORTING_TOOLS,
    SuccessDimension.OTHER,
)
