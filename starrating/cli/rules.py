"""``flask rules check|eval``: validate a rule file, or evaluate STUDENTS.json with it.

Plain click (no app context needed). Errors go to stderr with exit 1 and nothing on
stdout; a rule file is read as JSON when its name ends in ``.json``, else as TOML.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..rules import (
    RuleSet,
    RuleValidationError,
    StudentsInputError,
    evaluate,
    load_rules,
    parse_students_json,
    results_to_json,
)
from .common import fail

rules_cli = click.Group("rules", help="Check star-rating rule files (星级评价细则) and evaluate students with them.")


class _Refused(Exception):
    """A problem already worded for the user."""


def _read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise _Refused(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise _Refused(f"{path}: {what} is a directory, not a file") from None
    except OSError as exc:
        raise _Refused(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


def _load(path: str) -> RuleSet:
    fmt = "json" if path.lower().endswith(".json") else "toml"
    data = _read_bytes(path, "rule file")
    try:
        return load_rules(data, fmt)
    except RuleValidationError as exc:
        lines = [f"{path}: the rule file is refused ({len(exc.errors)} problem{'s' if len(exc.errors) != 1 else ''}):"]
        lines += [str(e) for e in exc.errors]
        raise _Refused("\n".join(lines)) from None


@rules_cli.command("check")
@click.argument("rules_file")
def check(rules_file: str) -> None:
    """Validate RULES_FILE and print a one-line summary, or every problem on stderr."""
    try:
        rules = _load(rules_file)
    except _Refused as exc:
        fail(exc, prefix="")
    n_ind = len(rules.indicator_keys())
    click.echo(
        f"OK: {rules.name}: {len(rules.dimensions)} dimensions, {n_ind} indicators, "
        f"{len(rules.caps)} caps, {len(rules.titles)} titles"
    )


@rules_cli.command("eval")
@click.argument("rules_file")
@click.argument("students_json")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the explain lines.")
def eval_(rules_file: str, students_json: str, lang: str) -> None:
    """Evaluate STUDENTS_JSON with RULES_FILE and print the results as JSON."""
    try:
        rules = _load(rules_file)
        students = parse_students_json(_read_bytes(students_json, "students file"), rules)
    except _Refused as exc:
        fail(exc, prefix="")
    except StudentsInputError as exc:
        fail(f"{students_json}: the students file is refused:\n" + "\n".join(exc.errors), prefix="")
    doc = results_to_json(evaluate(rules, students), lang)
    click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
