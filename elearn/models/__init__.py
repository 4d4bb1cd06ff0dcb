"""All models, imported here so that Base.metadata knows every table."""
from elearn.models.content import Choice, Course, Lesson, Question, QuizVersion
from elearn.models.people import ADMIN, PARENT_KIND, SEXES, STAFF_ROLES, UNIT_KINDS, ConsentRecord, RoleAssignment, Unit, User
from elearn.models.progress import (
    AttemptAnswer,
    Certificate,
    CourseCompletion,
    LessonView,
    QuizAttempt,
    RequiredSet,
    TrainedResident,
)
from elearn.models.reporting import (ApiToken, AuditEvent, CourseActivity, PopulationFigure, QuestionStat,
                                     SurveyResponse, TrainedMonth)

__all__ = [
    "ADMIN", "PARENT_KIND", "SEXES", "STAFF_ROLES", "UNIT_KINDS",
    "ApiToken", "AttemptAnswer", "AuditEvent", "Certificate", "Choice", "ConsentRecord", "Course", "CourseActivity",
    "CourseCompletion", "Lesson", "LessonView", "PopulationFigure", "Question", "QuestionStat", "QuizAttempt", "QuizVersion",
    "RequiredSet", "RoleAssignment", "SurveyResponse", "TrainedMonth", "TrainedResident", "Unit", "User",
]
