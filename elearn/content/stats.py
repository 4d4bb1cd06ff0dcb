"""Course size figures: lessons, words, reading minutes, questions."""
from __future__ import annotations

from dataclasses import dataclass

from elearn.content.parse import ParsedCourse
from elearn.content.render import word_count

# Slow, careful reading for older readers new to screens (Vietnamese syllables per minute).
WORDS_PER_MINUTE = 150
MINUTES_PER_QUESTION = 0.5


@dataclass(frozen=True)
class CourseStats:
    slug: str
    track: str
    required: bool
    lessons: int
    words: int
    lesson_minutes: list[float]
    questions: int

    @property
    def reading_minutes(self) -> float:
        return sum(self.lesson_minutes)

    @property
    def study_minutes(self) -> float:
        return self.reading_minutes + self.questions * MINUTES_PER_QUESTION


def course_stats(course: ParsedCourse) -> CourseStats:
    words = [word_count(lesson.title + "\n" + lesson.body_md) for lesson in course.lessons]
    return CourseStats(
        slug=course.slug, track=course.track, required=course.required, lessons=len(course.lessons),
        words=sum(words), lesson_minutes=[w / WORDS_PER_MINUTE for w in words],
        questions=len(course.quiz.questions) if course.quiz else 0,
    )


def format_stats(stats: list[CourseStats]) -> str:
    lines = [(f"{'course':32} {'track':15} {'req':3} {'lessons':>7} {'words':>6} {'read min':>8} "
              f"{'questions':>9} {'study min':>9}")]
    for s in stats:
        lines.append(f"{s.slug:32} {s.track:15} {'yes' if s.required else 'no':3} {s.lessons:>7} {s.words:>6} "
                     f"{s.reading_minutes:>8.0f} {s.questions:>9} {s.study_minutes:>9.0f}")
    required = [s for s in stats if s.required]
    lines.append(f"required set: {len(required)} course(s), "
                 f"{sum(s.study_minutes for s in required):.0f} minutes of study in total")
    return "\n".join(lines)
