"""The guessers that never read the question: a quiz they can pass tests wording, not judgement."""
from elearn.content.guessing import GuessChoice, best_guess, careful_score, guess_percent, guessed_right, length_score


def question(*choices: tuple[str, bool]) -> list[GuessChoice]:
    return [GuessChoice(text, right) for text, right in choices]


def test_the_careful_sounding_choice_scores_highest():
    assert careful_score("Không bấm, gọi lại số đã lưu sẵn") > careful_score("Bấm ngay vào link để nhận tiền")


def test_the_careful_guesser_wins_where_the_careful_choice_is_always_right():
    quiz = [question(("Chuyển tiền ngay", False), ("Không chuyển, hỏi Công an xã", True))] * 4
    assert guess_percent(quiz) == 100 and best_guess(quiz) == ("careful", 100.0)


def test_a_question_where_going_on_is_right_beats_the_careful_guesser():
    normal_prompt = question(("Từ chối, không bao giờ quét mặt", False), ("Làm theo để quét khuôn mặt", True))
    assert guessed_right(normal_prompt) == 0


def test_ties_are_shared_and_the_longest_guesser_is_caught():
    tie = question(("A", True), ("B", False))
    assert guessed_right(tie) == 0.5
    quiz = [question(("Có", False), ("Đọc kỹ tên người nhận rồi mới bấm xác nhận chuyển", True))] * 3
    assert guess_percent(quiz, length_score) == 100 and best_guess(quiz)[1] == 100
