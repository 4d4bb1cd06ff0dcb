"""All models, imported here so that Base.metadata knows every table."""
from elearn.models.content import Choice, Course, Lesson, Question, QuizVersion
from elearn.models.people import ADMIN, PARENT_KIND, SEXES, STAFF_ROLES, UNIT_KINDS, ConsentRecord, RoleAssignment, Unit, User
from elearn.models.progress import (
    AnonymousCompletion,
    AttemptAnswer,
    Certificate,
    CourseCompletion,
    LessonView,
    QuizAttempt,
)
from elearn.models.reporting import AuditEvent

__all__ = [
    "ADMIN", "PARENT_KIND", "SEXES", "STAFF_ROLES", "UNIT_KINDS",
    "AnonymousCompletion", "AttemptAnswer", "AuditEvent", "Certificate", "Choice",
    "ConsentRecord", "Course", "CourseCompletion", "Lesson", "LessonView", "Question",
    "QuizAttempt", "QuizVersion", "RoleAssignment", "Unit", "User",
]
