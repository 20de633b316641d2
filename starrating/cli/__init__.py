"""Command-line interface: `flask --app starrating <command>`.

Every command is registered here, from the factory's `register_commands`:

    create-user, seed-demo          setup.py
    school create|list|update       setup.py
    rules check|eval                rules.py (plain click: no app or database needed)
    stars compute|finalize-due      stars.py
    report xlsx|pdf                 reports.py
    backup, restore                 ops.py

A command refuses with `common.fail` (stderr, exit 1) and commits its own work.
"""

from __future__ import annotations

from flask import Flask

from . import ops, reports, rules, setup, stars

COMMANDS = (
    setup.create_user_command,
    setup.seed_demo_command,
    setup.school_cli,
    rules.rules_cli,
    ops.backup_command,
    ops.restore_command,
    stars.stars_cli,
    reports.report_cli,
)


def init_app(app: Flask) -> None:
    """Add every command to the app's `flask` group."""
    for command in COMMANDS:
        app.cli.add_command(command)
