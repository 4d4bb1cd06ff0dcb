"""Which questions of a quiz's pool one attempt gets.

The draw is a pure function of the person, the quiz version and how many attempts they have made
on it: reloading the quiz page, coming Back to it, or sending answers kept offline all see the same
questions, and the next attempt (a retry) draws again. Questions keep the pool's order, so a quiz
still follows its lessons.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence


def draw(question_ids: Sequence[int], count: int | None, user_id: int, version_id: int,
         attempts_made: int) -> list[int]:
    """`count` of `question_ids` (all when None or not fewer than the pool), in pool order."""
    if not count or count >= len(question_ids):
        return list(question_ids)
    seed = hashlib.sha256(f"{user_id}:{version_id}:{attempts_made}".encode()).digest()
    picked = set(random.Random(seed).sample(list(question_ids), count))  # nosec B311 # a fair shuffle, not a secret
    return [question_id for question_id in question_ids if question_id in picked]
