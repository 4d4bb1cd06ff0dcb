"""A quiz drawn from a pool: the same questions on reload, others on a retry, always the pool's order."""
from elearn.training.draws import draw

POOL = list(range(101, 116))  # 15 questions


def test_all_questions_when_nothing_or_not_fewer_than_the_pool_is_drawn():
    assert draw(POOL, None, 1, 7, 0) == POOL
    assert draw(POOL, 15, 1, 7, 0) == POOL
    assert draw(POOL, 40, 1, 7, 0) == POOL


def test_a_draw_has_the_count_asked_in_the_pools_order_and_is_the_same_each_time():
    first = draw(POOL, 10, 1, 7, 0)
    assert len(first) == 10 and len(set(first)) == 10 and set(first) <= set(POOL)
    assert first == sorted(first, key=POOL.index)
    assert draw(POOL, 10, 1, 7, 0) == first  # reload, Back, answers sent later: the same questions


def test_a_retry_and_another_person_get_other_questions():
    first = draw(POOL, 10, 1, 7, 0)
    retries = [draw(POOL, 10, 1, 7, made) for made in range(1, 6)]
    assert any(retry != first for retry in retries)
    assert any(draw(POOL, 10, person, 7, 0) != first for person in range(2, 7))


def test_over_many_attempts_every_question_of_the_pool_comes_up():
    seen = {question for made in range(30) for question in draw(POOL, 10, 1, 7, made)}
    assert seen == set(POOL)
