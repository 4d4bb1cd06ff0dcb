"""All models, imported here so that Base.metadata knows every table."""
from elearn.models.alerts import Alert, AlertRead
from elearn.models.form_keys import UsedFormKey
from elearn.models.content import (COURSE_ORIGINS, COURSE_STATUSES, Choice, Course, CourseMedia, CourseRevision, Lesson,
                                   Question, QuizVersion)
from elearn.models.people import (ADMIN, CODE_PURPOSES, PARENT_KIND, SEXES, STAFF_ROLES, UNIT_KINDS, ConsentRecord,
                                  OneTimeCode, RecoveryCode, RoleAssignment, SecondFactor, Unit, User)
from elearn.models.progress import (
    AttemptAnswer,
    Certificate,
    CourseCompletion,
    ExternalTraining,
    LessonView,
    QuizAttempt,
    RequiredSet,
    TrainedResident,
)
from elearn.models.reporting import (ApiToken, AuditEvent, CourseActivity, PopulationFigure, QuestionStat,
                                     SurveyResponse, TrainedMonth, TrainingAttendance, TrainingSession)

__all__ = [
    "Alert", "AlertRead",
    "ADMIN", "CODE_PURPOSES", "COURSE_ORIGINS", "COURSE_STATUSES", "PARENT_KIND", "SEXES", "STAFF_ROLES", "UNIT_KINDS",
    "CourseMedia", "CourseRevision", "ExternalTraining", "OneTimeCode", "TrainingAttendance", "TrainingSession",
    "ApiToken", "AttemptAnswer", "AuditEvent", "Certificate", "Choice", "ConsentRecord", "Course", "CourseActivity",
    "CourseCompletion", "Lesson", "LessonView", "PopulationFigure", "Question", "QuestionStat", "QuizAttempt",
    "QuizVersion", "RecoveryCode", "RequiredSet", "RoleAssignment", "SecondFactor", "SurveyResponse", "TrainedMonth",
    "TrainedResident", "Unit", "UsedFormKey", "User",
]
