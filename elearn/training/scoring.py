"""Scoring a quiz attempt. A question is right when exactly its correct choices were picked."""
from __future__ import annotations

from dataclasses import dataclass

from elearn.problems import Problem, Refused


@dataclass(frozen=True)
class QuestionKey:
    question_id: int
    kind: str
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    percent: int
    passed: bool
    right_questions: frozenset[int]


DEFAULT_PASS_MARK = 70  # percent, for a course whose front matter names none


class AnswerProblem(Refused):
    """An answer set that a real form could not have sent."""

    def __init__(self, detail: str):
        super().__init__(Problem("not_offered", values={"detail": detail}))


# Each kind says how many choices an answer may hold; adding a kind touches only this table.
QUESTION_KINDS = {
    "single": lambda picked: len(picked) == 1,
    "multiple": lambda picked: len(picked) >= 1,
}


def check_answers(keys: list[QuestionKey], answers: dict[int, set[int]]) -> None:
    """Refuse unknown questions, choices of another question, or a shape the kind forbids."""
    known = {key.question_id: key for key in keys}
    for question_id, picked in answers.items():
        key = known.get(question_id)
        if key is None:
            raise AnswerProblem(f"unknown question {question_id}")
        if not picked <= key.choice_ids:
            raise AnswerProblem(f"choice not in question {question_id}")
        if picked and not QUESTION_KINDS[key.kind](picked):
            raise AnswerProblem(f"wrong number of choices for question {question_id}")


def unanswered(keys: list[QuestionKey], answers: dict[int, set[int]]) -> list[int]:
    return [key.question_id for key in keys if not answers.get(key.question_id)]


def score(keys: list[QuestionKey], answers: dict[int, set[int]], pass_mark: int) -> Score:
    right = frozenset(
        key.question_id for key in keys if answers.get(key.question_id, set()) == key.correct_ids
    )
    total = len(keys)
    # Whole percent rounded down, so 7 of 10 is 70 and never rounds up past the pass mark.
    percent = (len(right) * 100) // total if total else 0
    return Score(len(right), total, percent, percent >= pass_mark, right)
