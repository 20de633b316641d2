"""``rules check`` and ``rules eval`` through click's test runner, and STUDENTS.json parsing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from starrating.cli.rules import rules_cli
from starrating.rules import StudentsInputError, evaluate, parse_students_json, results_to_json

from .helpers import EXAMPLES, base_doc, rules_from

ROOT = Path(__file__).resolve().parents[2]
WORKED = EXAMPLES / "worked"
QUOTA = EXAMPLES / "quota"


def invoke(*args: str):
    return CliRunner().invoke(rules_cli, [str(a) for a in args])


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
                        encoding="utf-8")
    return path


def test_check_ok_summary():
    result = invoke("check", WORKED / "rules.toml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 示例: 1 dimensions, 2 indicators, 1 caps, 0 titles\n"
    assert result.stderr == ""


def test_check_json_by_extension(tmp_path):
    path = write(tmp_path, "rules.JSON", base_doc())
    result = invoke("check", path)
    assert result.exit_code == 0 and result.stdout.startswith("OK: 测试细则: 2 dimensions, 3 indicators")


def test_check_invalid_lists_every_path_on_stderr(tmp_path):
    doc = base_doc()
    doc["dimensions"][1]["thresholds"]["4"] = 95
    doc["caps"][0]["overall_max"] = 9
    result = invoke("check", write(tmp_path, "bad.json", doc))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "dimensions[1].thresholds.5: " in result.stderr
    assert "caps[0].overall_max: 9 is outside 0..5" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "content", [b'name = "x"\n[[dimensions]\n', b"\xff\xfe", "[overall]\n", b""],
)
def test_check_broken_files(tmp_path, content):
    result = invoke("check", write(tmp_path, "r.toml", content))
    assert result.exit_code == 1 and result.stdout == ""
    assert ": " in result.stderr and "Traceback" not in result.stderr


def test_check_missing_file_and_directory(tmp_path):
    for target in (tmp_path / "nope.toml", tmp_path):
        result = invoke("check", target)
        assert result.exit_code == 1 and result.stdout == ""
        assert str(target) in result.stderr and "Traceback" not in result.stderr


def test_eval_output_shape_and_order():
    result = invoke("eval", QUOTA / "rules.toml", QUOTA / "students.json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == ["students"]
    assert [s["id"] for s in doc["students"]] == [f"L{i}" for i in range(1, 9)]
    for s in doc["students"]:
        assert list(s) == ["id", "dimensions", "overall", "titles", "explain"]
        assert s["overall"]["score"] is None  # min_stars
        assert list(s["dimensions"]["labor"]) == ["score", "stars"]
        assert all(isinstance(line, str) for line in s["explain"])
    assert "劳动" in result.stdout  # ensure_ascii=False


def test_eval_rounding_half_up(tmp_path):
    doc = base_doc()
    doc["caps"], doc["titles"] = [], []
    doc["dimensions"][1]["weight"] = 2
    rules = write(tmp_path, "r.json", doc)
    students = {"students": [
        {"id": "x", "class": "c", "grade": "g",
         "entries": [{"indicator": "moral.service", "points": 0.01}, {"indicator": "skill.course", "points": 0.5}]},
    ]}
    result = invoke("eval", rules, write(tmp_path, "s.json", students))
    out = json.loads(result.stdout)["students"][0]
    # moral 80.01, skill 60.5: (80.01 + 121) / 3 = 67.00333.. -> 67.0
    assert out["dimensions"] == {"moral": {"score": 80.01, "stars": 3}, "skill": {"score": 60.5, "stars": 2}}
    assert out["overall"] == {"score": 67.0, "stars": 2}


def test_eval_english(tmp_path):
    result = invoke("eval", WORKED / "rules.toml", WORKED / "students.json", "--lang", "en")
    assert "reaching" in json.loads(result.stdout)["students"][0]["explain"][0]


def test_eval_invalid_rules_nothing_on_stdout(tmp_path):
    result = invoke("eval", write(tmp_path, "r.toml", "max_stars = 0\n"), WORKED / "students.json")
    assert result.exit_code == 1 and result.stdout == ""
    assert "max_stars" in result.stderr and "dimensions" in result.stderr


@pytest.mark.parametrize(
    ("students", "needle"),
    [
        ([{"class": "c", "grade": "g"}], "student 0: missing id"),
        ([{"id": "a", "grade": "g"}], "student a: missing class"),
        ([{"id": "a", "class": "c"}], "student a: missing grade"),
        ([{"id": "a", "class": "c", "grade": 2024}], "student a: missing grade"),
        ([{"id": "a", "class": "c", "grade": "g"}, {"id": "a", "class": "c", "grade": "g"}],
         "student a: duplicate id"),
        ([{"id": "a", "class": "c", "grade": "g", "entries": [
            {"indicator": "moral.service", "points": 1}, {"indicator": "moral.nope", "points": 1}]}],
         "student a entry 1: unknown indicator 'moral.nope'"),
        ([{"id": "a", "class": "c", "grade": "g", "entries": [{"indicator": "moral.service", "points": "1"}]}],
         "student a entry 0: points must be a JSON number"),
        ([{"id": "a", "class": "c", "grade": "g", "entries": [{"indicator": "moral.service", "points": True}]}],
         "student a entry 0: points must be a JSON number"),
        ([{"id": "a", "class": "c", "grade": "g", "entries": [{"indicator": "moral.service", "points": 1.005}]}],
         "student a entry 0: points 1.005 is not a multiple of 0.01"),
        ([{"id": "a", "class": "c", "grade": "g", "entries": [{"indicator": "moral.service"}]}],
         "student a entry 0: missing points"),
        ([{"id": "a", "class": "c", "grade": "g", "flags": "sanction.demerit"}], "student a: flags"),
    ],
)
def test_eval_refuses_bad_students(tmp_path, students, needle):
    result = invoke("eval", WORKED / "rules.toml", write(tmp_path, "s.json", {"students": students}))
    assert result.exit_code == 1 and result.stdout == ""
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content", ["{", '{"students": {}}', "[]", b"\xff", '{"students": [1]}'])
def test_eval_broken_students_file(tmp_path, content):
    result = invoke("eval", WORKED / "rules.toml", write(tmp_path, "s.json", content))
    assert result.exit_code == 1 and result.stdout == "" and result.stderr
    assert "Traceback" not in result.stderr


def test_eval_missing_students_file(tmp_path):
    result = invoke("eval", WORKED / "rules.toml", tmp_path / "none.json")
    assert result.exit_code == 1 and result.stdout == "" and "not found" in result.stderr


def test_parse_students_reports_all_problems_and_ignores_extra_keys():
    rules = rules_from(base_doc())
    text = json.dumps({"students": [
        {"id": 7, "class": "c", "grade": "g", "name": "张三",
         "entries": [{"indicator": "moral.service", "points": 1.5, "date": "2026-09-01", "note": "x"},
                     {"indicator": "moral.service", "points": 2}]},
        {"id": "b", "class": "c", "grade": "g", "entries": [{"indicator": "x.y", "points": 1},
                                                             {"indicator": "skill.course", "points": "2"}]},
    ]})
    with pytest.raises(StudentsInputError) as info:
        parse_students_json(text, rules)
    assert info.value.errors == [
        "student b entry 0: unknown indicator 'x.y'",
        'student b entry 1: points must be a JSON number, got "2"',
    ]
    (s,) = parse_students_json(json.dumps({"students": [json.loads(text)["students"][0]]}), rules)
    assert s.id == "7" and s.totals == {"moral.service": Decimal("3.5")} and s.flags == frozenset()


def test_results_to_json_without_explain():
    rules = rules_from(base_doc())
    students = parse_students_json('{"students": [{"id": "a", "class": "c", "grade": "g"}]}', rules)
    out = results_to_json(evaluate(rules, students), lang=None)
    assert out == {"students": [{"id": "a", "dimensions": {"moral": {"score": 80.0, "stars": 3},
                                                           "skill": {"score": 60.0, "stars": 2}},
                                 "overall": {"score": 70.0, "stars": 3}, "titles": []}]}


def test_rules_package_imports_no_web_or_database_layer():
    # starrating/__init__.py (the app factory) imports Flask, so load the rules package
    # under a bare parent package: only what starrating.rules itself pulls in counts
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('starrating'); pkg.__path__ = [{str(ROOT / 'starrating')!r}]\n"
        "sys.modules['starrating'] = pkg\n"
        "import starrating.rules\n"
        "starrating.rules.evaluate(starrating.rules.load_default_rules(), [])\n"
        "bad = [m for m in sys.modules if m.startswith(('flask', 'sqlalchemy', 'werkzeug', 'click', 'jinja2'))]\n"
        "assert not bad, bad\n"
        "assert 'starrating.rules.engine' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_rules_modules_import_only_the_standard_library():
    for path in sorted((ROOT / "starrating" / "rules").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", f"{path.name} imports {name}"
