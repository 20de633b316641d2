"""The Actor's CSRF token (tests/conftest.py) is made without rendering a page: it must be the
token the pages of that session carry, and the server must take it as it takes theirs."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from tests.conftest import csrf_from


def _raw(app, token: str) -> str:
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(token)


def test_the_actor_token_signs_the_value_the_pages_sign(app, school, act):
    for actor, page in ((act(school.teacher), "/password"), (act(None), "/login")):
        token = actor.csrf()
        from_page = csrf_from(actor.get(page).get_data(as_text=True))
        with actor.client.session_transaction() as sess:
            assert _raw(app, token) == _raw(app, from_page) == sess["csrf_token"]


def test_the_actor_token_is_accepted_and_a_wrong_one_is_not(app, school, act):
    teacher = act(school.teacher)
    assert teacher.post("/lang/en", {"csrf_token": "not-a-token"}).status_code == 400
    assert teacher.post("/lang/en", csrf=False).status_code == 400
    assert teacher.post("/lang/en").status_code == 302
    other = act(school.other_teacher)  # another session: the teacher's token is not theirs
    assert other.post("/lang/en", {"csrf_token": teacher.csrf()}).status_code == 400
