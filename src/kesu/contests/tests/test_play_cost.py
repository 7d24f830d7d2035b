"""What one answer costs: SQL statements and Python calls of the hottest request of a contest's last day.

Run with ``-s`` to see the figures (cProfile call counts and CPU time of 20 answers); the assertions hold
the statement counts, which do not depend on the machine's load.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kesu.contests.tests.play_support import api, county, key_of, open_contest, register

pytestmark = pytest.mark.django_db


def _answer(phone: Client, contest: Any, attempt_id: int, position: int) -> Any:
    return api(
        phone,
        contest,
        "POST",
        f"attempts/{attempt_id}/answer",
        {"position": position, "answer": key_of(attempt_id, position)},
    )


def test_an_answer_costs_two_sql_statements_and_the_last_one_six(world: Any) -> None:
    contest = open_contest(world, draw_rule={"judge": 2, "single": 2, "multi": 1})
    phone = Client()
    register(phone, contest, county())
    api(phone, contest, "GET", "me")  # the contest row is now in this process's copy
    attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
    keys = {n: key_of(attempt_id, n) for n in range(1, 6)}
    costs = []
    for position in range(1, 6):
        with CaptureQueriesContext(connection) as queries:
            reply = api(
                phone,
                contest,
                "POST",
                f"attempts/{attempt_id}/answer",
                {"position": position, "answer": keys[position]},
            )
        assert reply.status_code == 200
        costs.append(len(queries))
    print(f"\nSQL statements per answer ({connection.vendor}): {costs}")
    assert costs[:-1] == [2, 2, 2, 2]  # SELECT the attempt and items; UPDATE … WHERE answered_at IS NULL
    assert (
        costs[-1] == 6
    )  # and: read the points, close the attempt, read and fold the participant's kept result


def test_a_start_costs_four_statements_and_the_page_load_four(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    api(phone, contest, "GET", "me")
    with CaptureQueriesContext(connection) as start:
        assert api(phone, contest, "POST", "attempts").status_code == 201
    with CaptureQueriesContext(connection) as me:
        assert api(phone, contest, "GET", "me").status_code == 200
    statements = [q["sql"] for q in start.captured_queries if "SAVEPOINT" not in q["sql"]]
    print(f"\nSQL statements ({connection.vendor}): start {len(statements)}, me {len(me)}")
    # the day's attempts, the draw's items, INSERT the attempt, INSERT the drawn items (one statement);
    # the test's savepoints stand for the BEGIN/COMMIT of production
    assert len(statements) == 4
    assert len(me) <= 4  # the participant, today's and the active attempts, their result, those ahead


def test_profile_of_answers(world: Any) -> None:
    """Not an assertion on time: prints Python calls and CPU per answer for the report."""
    contest = open_contest(world, draw_rule={"judge": 4, "single": 4, "multi": 2}, seconds_per_item=60)
    phones = []
    for n in range(3):
        phone = Client()
        register(phone, contest, county(), phone=f"1390000000{n}", name=f"参赛者{n}")
        attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
        phones.append((phone, attempt_id, {p: key_of(attempt_id, p) for p in range(1, 11)}))
    profile = cProfile.Profile()
    cpu = time.process_time()
    answers = 0
    profile.enable()
    for position in range(1, 10):  # all but the last: the steady state of a surge
        for phone, attempt_id, keys in phones:
            api(
                phone,
                contest,
                "POST",
                f"attempts/{attempt_id}/answer",
                {"position": position, "answer": keys[position]},
            )
            answers += 1
    profile.disable()
    cpu = time.process_time() - cpu
    stats = pstats.Stats(profile)
    calls = stats.total_calls  # type: ignore[attr-defined]
    print(
        f"\n{answers} answers ({connection.vendor}): {calls / answers:.0f} Python calls and "
        f"{1000 * cpu / answers:.2f} ms CPU per answer (profiled, test client included)"
    )
    stats.sort_stats("tottime").print_stats(25)
    assert answers == 27
