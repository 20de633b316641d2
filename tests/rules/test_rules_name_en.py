"""The optional ``name_en`` beside every ``name`` (rules.md): accepted only as non-empty text,
kept on the model, shown in the English explanation, ignored by the engine."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib.resources import files

import pytest
from click.testing import CliRunner

from starrating.cli.rules import rules_cli
from starrating.rules import StudentInput, evaluate, load_default_rules, load_rules, results_to_json
from starrating.rules.model import shown_name

from .helpers import base_doc, errors_of, rules_from

DEFAULT_TOML = files("starrating.rules").joinpath("default.toml").read_text(encoding="utf-8")

NAMED_TOML = """\
name = "细则"
name_en = "Rules"
[[dimensions]]
key = "moral"
name = "思想品德"
name_en = "Moral conduct"
base = 80
max = 100
thresholds = { 5 = 95, 3 = 75 }
  [[dimensions.indicators]]
  key = "discipline"
  name = "纪律"
  name_en = "Discipline"
  items = [ { name = "迟到", name_en = "Late", points = -2 } ]
[overall]
thresholds = { 5 = 95, 1 = 0 }
[[caps]]
name = "记过"
name_en = "Demerit"
flag = "sanction.demerit"
dimension = "moral"
max_stars = 1
[[titles]]
name = "五星"
name_en = "Five stars"
overall_at_least = 5
"""


def check(tmp_path, text):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(rules_cli, ["check", str(path)])


def test_rules_check_accepts_name_en_everywhere(tmp_path):
    result = check(tmp_path, NAMED_TOML)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 细则: 1 dimensions")


@pytest.mark.parametrize(("value", "reason"), [('""', "must not be empty"), ("3", "must be text, got a int")])
@pytest.mark.parametrize("path", ["name_en", "dimensions[0].name_en", "dimensions[0].indicators[0].name_en",
                                  "caps[0].name_en", "titles[0].name_en"])
def test_rules_check_refuses_an_empty_or_non_text_name_en(tmp_path, value, reason, path):
    lines = NAMED_TOML.splitlines()
    # the n-th `name_en = ...` line, counted in file order, matches `path`
    index = ["name_en", "dimensions[0].name_en", "dimensions[0].indicators[0].name_en",
             "caps[0].name_en", "titles[0].name_en"].index(path)
    standalone = [i for i, line in enumerate(lines) if re.match(r"\s*name_en = ", line)]
    lines[standalone[index]] = re.sub(r'= ".*"', f"= {value}", lines[standalone[index]])
    result = check(tmp_path, "\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert f"{path}: {reason}" in result.stderr


@pytest.mark.parametrize("value", ['""', "3"])
def test_rules_check_refuses_a_bad_item_name_en(tmp_path, value):
    result = check(tmp_path, NAMED_TOML.replace('name_en = "Late"', f"name_en = {value}"))
    assert result.exit_code == 1
    assert "dimensions[0].indicators[0].items[0].name_en: " in result.stderr


def test_rules_check_still_refuses_other_unknown_keys_with_the_field_path(tmp_path):
    text = NAMED_TOML.replace('name_en = "Discipline"', 'name_en = "Discipline"\n  name_fr = "Discipline"')
    result = check(tmp_path, text)
    assert result.exit_code == 1
    assert "dimensions[0].indicators[0].name_fr: unknown key 'name_fr'" in result.stderr


def test_unknown_key_message_lists_name_en_as_allowed():
    doc = base_doc()
    doc["titles"][0]["label"] = "x"
    [(path, message)] = errors_of(doc)
    assert path == "titles[0].label" and "name_en" in message


def test_model_keeps_name_en_and_shown_name_picks_by_language():
    rules = load_rules(NAMED_TOML)
    dim = rules.dimensions[0]
    ind = dim.indicators[0]
    assert (rules.name_en, dim.name_en, ind.name_en, ind.items[0].name_en,
            rules.caps[0].name_en, rules.titles[0].name_en) == (
        "Rules", "Moral conduct", "Discipline", "Late", "Demerit", "Five stars")
    assert shown_name(dim, "en") == "Moral conduct"
    assert shown_name(dim, "zh") == "思想品德"
    assert shown_name(rules_from(base_doc()).dimensions[0], "en") == "思想品德"  # no name_en: name


def test_default_rules_give_every_named_thing_an_english_name():
    rules = load_default_rules()
    named = [rules, *rules.dimensions, *rules.caps, *rules.titles]
    for d in rules.dimensions:
        named += [*d.indicators, *(it for i in d.indicators for it in i.items)]
    missing = [t.name for t in named if not t.name_en]
    assert missing == []
    assert len(named) == 86


def _students(rules):
    keys = rules.indicator_keys()
    out = []
    for n in range(30):
        totals = {keys[(n + k) % len(keys)]: Decimal((n * 7 + k * 3) % 25 - 8) for k in range(4)}
        flags = frozenset({"sanction.demerit"} if n % 9 == 0 else ())
        out.append(StudentInput(id=f"s{n}", class_=f"c{n % 3}", grade="2024", totals=totals, flags=flags))
    return out


def test_engine_output_is_identical_with_and_without_name_en():
    with_en = load_default_rules()
    without = load_rules(re.sub(r'^\s*name_en = ".*"\n|name_en = "[^"]*", ', "", DEFAULT_TOML, flags=re.M))
    assert without.dimensions[0].name_en is None and without.dimensions[0].indicators[0].items[0].name_en is None
    a = results_to_json(evaluate(with_en, _students(with_en)), lang=None)
    b = results_to_json(evaluate(without, _students(without)), lang=None)
    assert a == b
    # the Chinese explanation, and the names results carry, are the names as written
    assert (results_to_json(evaluate(with_en, _students(with_en)), "zh")
            == results_to_json(evaluate(without, _students(without)), "zh"))
    assert evaluate(with_en, _students(with_en))[0].explain("zh")[0].startswith("思想品德")


def test_english_explanation_uses_the_english_names():
    rules = load_rules(NAMED_TOML)
    [res] = evaluate(rules, [StudentInput(id="a", class_="c", grade="g", totals={}, flags=frozenset({"sanction.demerit"}))])
    text = "\n".join(res.explain("en"))
    assert "Moral conduct: 80 points" in text
    assert '"Demerit" limits it to 1 star' in text
    assert "思想品德" not in text and "记过" not in text
    assert res.dimensions["moral"].name == "思想品德"  # results carry the name as written
