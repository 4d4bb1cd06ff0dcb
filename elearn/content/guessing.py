"""How far a guesser who never reads the question gets in a quiz.

The editorial review (November 2026) found that always picking the careful-sounding choice passed
several quizzes. This is its keyword guesser, kept as a check: it scores each choice by the words
careful advice starts with ("Không…", "Gác máy…", "Hỏi…", "Công an xã") and against the words of
hurried action ("ngay", "chuyển", "bấm", "cài"), and picks the best-scoring choice. Two more
guessers keep a quiz from overcorrecting: one always picks the least careful choice, one the
longest. A quiz any of them can pass tests wording, not judgement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Sequence

# Words that make a choice sound careful, at its start (strong) or anywhere (weak).
CAREFUL_OPENINGS = ("không", "đừng", "dừng", "gác máy", "tắt", "từ chối", "chưa", "tự", "hỏi", "gọi điện thường",
                    "gọi lại", "bỏ qua", "chặn", "xóa", "báo", "kiểm tra", "giữ", "đến", "ra")
CAREFUL_WORDS = ("không", "chính thức", "công an xã", "số in sau thẻ", "số đã lưu", "tổ công nghệ số", "hỏi",
                 "tự gõ", "kiểm tra", "đối chiếu", "trực tiếp", "tại quầy", "đọc kỹ")
HURRIED_WORDS = ("ngay", "chuyển", "bấm", "cài", "nộp", "vì", "đọc mã", "gửi mã", "làm theo", "đồng ý", "nhận")


@dataclass(frozen=True)
class GuessChoice:
    text: str
    correct: bool


def careful_score(text: str) -> int:
    lowered = " ".join(re.sub(r"[*_`]", "", text).lower().split())
    score = 3 if lowered.startswith(CAREFUL_OPENINGS) else 0
    score += sum(1 for word in CAREFUL_WORDS if word in lowered)
    score -= sum(1 for word in HURRIED_WORDS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered))
    return score


def guessed_right(choices: Sequence[GuessChoice], score=careful_score) -> float:
    """The chance the guesser gets this question right: the best-scoring choice for a single-answer
    question (ties shared evenly), every choice scoring above 0 for a multiple-answer one."""
    scores = [score(choice.text) for choice in choices]
    right = {i for i, choice in enumerate(choices) if choice.correct}
    if len(right) > 1:
        picked = {i for i, score in enumerate(scores) if score > 0} or {scores.index(max(scores))}
        return 1.0 if picked == right else 0.0
    best = max(scores)
    tied = [i for i, score in enumerate(scores) if score == best]
    return sum(1 for i in tied if i in right) / len(tied)


def reckless_score(text: str) -> int:
    return -careful_score(text)


def length_score(text: str) -> int:
    return len(text.split())


GUESSERS = {"careful": careful_score, "reckless": reckless_score, "longest": length_score}


def guess_percent(questions: Sequence[Sequence[GuessChoice]], score=careful_score) -> float:
    """A guesser's expected score on the whole pool, in percent."""
    if not questions:
        return 0.0
    return 100 * sum(guessed_right(choices, score) for choices in questions) / len(questions)


def best_guess(questions: Sequence[Sequence[GuessChoice]]) -> tuple[str, float]:
    """The guesser that does best on this pool, and its score in percent."""
    return max(((name, guess_percent(questions, score)) for name, score in GUESSERS.items()), key=lambda g: g[1])
