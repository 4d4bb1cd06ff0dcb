"""Course size and honest study time: lessons, syllables, reading and quiz minutes, sittings.

Times are for a slow reader: an older adult reading Vietnamese on a phone reads about 60–100
syllables a minute (editorial review, November 2026, §4), so 90 is used, not a fluent adult's 150.
A question takes the time to read its scene, choices and explanation at that speed, plus a little
time to think; an attempt draws `questions_per_attempt` of the pool.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Sequence

from elearn.content.guessing import GuessChoice, best_guess
from elearn.content.parse import ParsedCourse, ParsedQuestion
from elearn.content.render import word_count

SYLLABLES_PER_MINUTE = 90
THINKING_MINUTES_PER_QUESTION = 0.25
# One sitting: what an older learner can take in before a break (and a phone's battery and data allow).
SITTING_MINUTES = 20


def reading_minutes(syllables: int) -> float:
    return syllables / SYLLABLES_PER_MINUTE


def question_minutes(syllables: int) -> float:
    return reading_minutes(syllables) + THINKING_MINUTES_PER_QUESTION


def quiz_minutes(question_syllables: Sequence[int], drawn: int) -> float:
    """An attempt's time: the pool's average question time, times the questions drawn."""
    if not question_syllables:
        return 0.0
    return drawn * sum(question_minutes(s) for s in question_syllables) / len(question_syllables)


def sittings(study_minutes: float) -> int:
    return max(1, math.ceil(study_minutes / SITTING_MINUTES))


def question_syllables(question: ParsedQuestion) -> int:
    parts = [question.text, question.body_md, question.explanation_md, *(c.text for c in question.choices)]
    return word_count("\n".join(parts))


@dataclass(frozen=True)
class CourseStats:
    slug: str
    track: str
    required: bool
    lessons: int
    syllables: int
    lesson_minutes: list[float]
    pool: int
    drawn: int
    quiz_minutes: float
    guesser: str
    guess_percent: float

    @property
    def reading_minutes(self) -> float:
        return sum(self.lesson_minutes)

    @property
    def study_minutes(self) -> float:
        return self.reading_minutes + self.quiz_minutes

    @property
    def sittings(self) -> int:
        return sittings(self.study_minutes)


def course_stats(course: ParsedCourse) -> CourseStats:
    syllables = [word_count(lesson.title + "\n" + lesson.body_md) for lesson in course.lessons]
    questions = course.quiz.questions if course.quiz else []
    pool = len(questions)
    drawn = min(course.questions_per_attempt or pool, pool)
    guesser, guessed = best_guess([[GuessChoice(c.text, c.correct) for c in q.choices] for q in questions])
    return CourseStats(
        slug=course.slug, track=course.track, required=course.required, lessons=len(course.lessons),
        syllables=sum(syllables), lesson_minutes=[reading_minutes(s) for s in syllables], pool=pool, drawn=drawn,
        quiz_minutes=quiz_minutes([question_syllables(q) for q in questions], drawn),
        guesser=guesser, guess_percent=guessed,
    )


def format_stats(stats: list[CourseStats]) -> str:
    lines = [(f"Times for a slow reader: {SYLLABLES_PER_MINUTE} syllables a minute, "
              f"{THINKING_MINUTES_PER_QUESTION} min to think per question, sittings of {SITTING_MINUTES} min."),
             (f"{'course':30} {'track':14} {'req':3} {'lessons':>7} {'syllables':>9} {'read min':>8} "
              f"{'questions':>9} {'quiz min':>8} {'study min':>9} {'sittings':>8} {'best guess':>16}")]
    for s in stats:
        lines.append(f"{s.slug:30} {s.track:14} {'yes' if s.required else 'no':3} {s.lessons:>7} {s.syllables:>9} "
                     f"{s.reading_minutes:>8.0f} {f'{s.drawn} of {s.pool}':>9} {s.quiz_minutes:>8.0f} "
                     f"{s.study_minutes:>9.0f} {s.sittings:>8} {f'{s.guess_percent:.0f} % {s.guesser}':>16}")
    required = [s for s in stats if s.required]
    minutes = sum(s.study_minutes for s in required)
    lines.append(f"required set: {len(required)} course(s), {minutes:.0f} minutes of study "
                 f"({minutes / 60:.1f} h) in {sum(s.sittings for s in required)} sittings")
    lines.append("best guess: the best score of three guessers that never read the question (always the careful-"
                 "sounding choice, always the least careful, always the longest: elearn/content/guessing.py); "
                 "it must stay well under the pass mark.")
    return "\n".join(lines)
