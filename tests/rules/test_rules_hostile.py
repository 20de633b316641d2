"""Hostile rule files (found by an outside attack) are refused with the engine's rule error.

Arrays nested 5,000 deep and inline tables nested 2,000 deep ran tomllib out of stack
(RecursionError); an integer of 5,000 digits broke Python's int-from-text limit
(ValueError). Each gave a traceback from `rules check` and a 500 from /admin/rules and
/admin/what-if. Now the text is measured before it is parsed.
"""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from starrating.cli.rules import rules_cli
from starrating.extensions import db
from starrating.models import RuleSet
from starrating.rules import (
    RuleValidationError,
    StudentsInputError,
    load_rules,
    parse_students_json,
)
from starrating.rules.parse import MAX_NESTING, MAX_NUMBER_DIGITS, MAX_RULE_CHARS

from .helpers import base_doc, rules_from

DEEP_ARRAYS = "x = " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_TABLES = "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n"
LONG_INTEGER = "x = " + "9" * 5000 + "\n"
HOSTILE = {
    "arrays": (DEEP_ARRAYS, f"lists and tables are nested more than {MAX_NESTING} levels deep"),
    "tables": (DEEP_TABLES, f"lists and tables are nested more than {MAX_NESTING} levels deep"),
    "integer": (LONG_INTEGER, f"a number has more than {MAX_NUMBER_DIGITS} digits"),
}
# What the Chinese admin pages say for the same reasons (services/rule_messages).
ON_PAGE = {
    "arrays": f"列表和表嵌套超过 {MAX_NESTING} 层",
    "tables": f"列表和表嵌套超过 {MAX_NESTING} 层",
    "integer": f"有数字超过 {MAX_NUMBER_DIGITS} 位",
}
# A file the engine refuses in the ordinary way, for comparison.
ORDINARY_BAD = 'name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n' \
               'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n'


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_check_refuses_a_hostile_file_with_the_normal_error_and_exit_code(tmp_path, kind):
    text, line = HOSTILE[kind]
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(rules_cli, ["check", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"{path}: the rule file is refused (1 problem):\n(file): {line}\n"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_eval_refuses_a_hostile_rule_file_before_reading_students(tmp_path, kind):
    text, line = HOSTILE[kind]
    rules = tmp_path / "hostile.toml"
    rules.write_text(text, encoding="utf-8")
    students = tmp_path / "students.json"
    students.write_text('{"students": []}', encoding="utf-8")
    result = CliRunner().invoke(rules_cli, ["eval", str(rules), str(students)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert result.stdout == "" and f"(file): {line}\n" in result.stderr


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_loader_raises_its_rule_error_on_a_hostile_file(kind):
    text, line = HOSTILE[kind]
    for source in (text, text.encode()):
        with pytest.raises(RuleValidationError) as caught:
            load_rules(source)
        assert [(e.path, e.message) for e in caught.value.errors] == [("(file)", line)]


def test_loader_refuses_hostile_json_too():
    with pytest.raises(RuleValidationError) as caught:
        load_rules("[" * 5000 + "]" * 5000, "json")
    assert caught.value.errors[0].path == "(file)"
    assert "nested more than" in caught.value.errors[0].message
    with pytest.raises(RuleValidationError) as caught:
        load_rules('{"name": ' + "9" * 5000 + "}", "json")
    assert "more than" in caught.value.errors[0].message


def test_loader_refuses_a_file_over_the_size_limit():
    text = "# " + "x" * MAX_RULE_CHARS + "\n"
    with pytest.raises(RuleValidationError) as caught:
        load_rules(text)
    assert caught.value.errors[0].path == "(file)"
    assert caught.value.errors[0].message.startswith("too long:")


def test_brackets_quotes_and_digits_inside_strings_and_comments_do_not_count():
    deep = "[" * (MAX_NESTING + 5) + "{" * (MAX_NESTING + 5) + "9" * (MAX_NUMBER_DIGITS + 5)
    doc = base_doc()
    doc["name"] = f'"{deep}\\"{deep}'
    rules = rules_from(doc)  # JSON
    assert rules.name == doc["name"]
    toml = (f"# {deep}\n"
            f'name = "\\"{deep}\\\\"\n'
            f"x = '''{deep}'''\n")
    with pytest.raises(RuleValidationError) as caught:
        load_rules(toml)
    # only the unknown key is refused: the scan let the strings and the comment through
    assert [e.path for e in caught.value.errors] == ["x", "dimensions", "overall"]


def test_students_file_nested_too_deep_is_refused_not_a_traceback():
    rules = rules_from(base_doc())
    with pytest.raises(StudentsInputError) as caught:
        parse_students_json('{"students": ' + "[" * 100_000 + "]" * 100_000 + "}", rules)
    assert caught.value.errors == ["students file: not readable: nested too deeply"]


# ---- the admin pages -------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_rules_upload_page_refuses_a_hostile_file_like_any_invalid_one(act, school, kind):
    text, line = HOSTILE[kind]
    admin = act(school.admin)
    rule_sets = db.session.scalar(sa.select(sa.func.count(RuleSet.id)))
    ordinary = admin.post("/admin/rules", {"name": "普通", "source": ORDINARY_BAD})
    pasted = admin.post("/admin/rules", {"name": "敌意", "source": text})
    uploaded = admin.post("/admin/rules", {"name": "敌意", "file": (BytesIO(text.encode()), "r.toml")},
                          content_type="multipart/form-data")
    for response in (pasted, uploaded):
        assert response.status_code == ordinary.status_code != 500
        assert ON_PAGE[kind] in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RuleSet.id))) == rule_sets


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_what_if_page_refuses_a_hostile_draft_like_any_invalid_one(act, school, kind):
    text, line = HOSTILE[kind]
    admin = act(school.admin)
    ordinary = admin.post("/admin/what-if", {"term_id": school.term.id, "source": ORDINARY_BAD})
    response = admin.post("/admin/what-if", {"term_id": school.term.id, "source": text})
    assert response.status_code == ordinary.status_code != 500
    assert ON_PAGE[kind] in response.get_data(as_text=True)
