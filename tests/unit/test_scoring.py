import pytest

from elearn.training.scoring import AnswerProblem, QuestionKey, check_answers, score, unanswered

KEYS = [
    QuestionKey(1, "single", frozenset({11, 12, 13}), frozenset({12})),
    QuestionKey(2, "multiple", frozenset({21, 22, 23}), frozenset({21, 22})),
    QuestionKey(3, "single", frozenset({31, 32}), frozenset({31})),
]


def test_all_right_scores_full_marks_and_passes():
    result = score(KEYS, {1: {12}, 2: {21, 22}, 3: {31}}, pass_mark=70)
    assert (result.correct, result.total, result.percent, result.passed) == (3, 3, 100, True)


def test_a_wrong_single_answer_is_marked_wrong():
    result = score(KEYS, {1: {11}, 2: {21, 22}, 3: {31}}, pass_mark=70)
    assert result.right_questions == {2, 3}
    assert result.percent == 66 and not result.passed


def test_a_multiple_answer_question_needs_exactly_the_right_set():
    assert 2 not in score(KEYS, {2: {21}}, 70).right_questions
    assert 2 not in score(KEYS, {2: {21, 22, 23}}, 70).right_questions
    assert 2 in score(KEYS, {2: {22, 21}}, 70).right_questions


def test_the_pass_mark_is_inclusive_and_never_rounded_up():
    keys = [QuestionKey(i, "single", frozenset({i * 10, i * 10 + 1}), frozenset({i * 10})) for i in range(1, 11)]
    seven = {i: {i * 10} for i in range(1, 8)}
    assert score(keys, seven, pass_mark=70).passed
    assert not score(keys, seven, pass_mark=71).passed
    two_of_three = score(KEYS, {1: {12}, 3: {31}}, pass_mark=67)
    assert two_of_three.percent == 66 and not two_of_three.passed


def test_a_choice_from_another_question_is_refused():
    with pytest.raises(AnswerProblem):
        check_answers(KEYS, {1: {21}})


def test_an_unknown_question_is_refused():
    with pytest.raises(AnswerProblem):
        check_answers(KEYS, {99: {11}})


def test_two_choices_for_a_single_answer_question_are_refused():
    with pytest.raises(AnswerProblem):
        check_answers(KEYS, {1: {11, 12}})


def test_unanswered_questions_are_listed_in_order():
    assert unanswered(KEYS, {2: {21}}) == [1, 3]
    assert unanswered(KEYS, {1: set(), 2: {21}, 3: {31}}) == [1]
