"""Answer-time outliers in an own contest (pure)."""

from __future__ import annotations

from kesu.quiz import fairplay
from kesu.quiz.fairplay import ReadingPace, TimedAnswer


def test_the_reading_floor_grows_with_the_text_to_read() -> None:
    pace = ReadingPace(chars_per_second=20, reaction_ms=500)
    assert fairplay.reading_floor_ms(0, pace) == 500
    assert fairplay.reading_floor_ms(40, pace) == 2500


def test_text_length_counts_the_stem_and_options_without_spaces() -> None:
    assert fairplay.text_length("人体 最大的器官是？", ["A. 肝脏", "B. 皮肤"]) == 9 + 4 + 4


def test_one_quick_tap_is_noise_but_several_answers_faster_than_reading_flag_the_attempt() -> None:
    slow = [TimedAnswer(n, 40, 6_000) for n in range(1, 11)]
    assert not fairplay.judge_attempt(slow).flagged
    one_fast = [TimedAnswer(1, 40, 300), *slow[1:]]
    assert not fairplay.judge_attempt(one_fast).flagged
    scripted = [TimedAnswer(n, 40, 250) for n in range(1, 5)] + slow[4:]
    verdict = fairplay.judge_attempt(scripted)
    assert verdict.flagged and verdict.fast_positions == [1, 2, 3, 4]
    assert "第 1、2、3、4 题" in verdict.reason


def test_unanswered_items_neither_flag_nor_dilute_the_share() -> None:
    answers = [TimedAnswer(1, 40, 200), TimedAnswer(2, 40, 200), TimedAnswer(3, 40, 200)]
    answers += [TimedAnswer(n, 40, None) for n in range(4, 21)]
    assert fairplay.judge_attempt(answers).flagged
    assert not fairplay.judge_attempt([TimedAnswer(1, 40, None)]).flagged
