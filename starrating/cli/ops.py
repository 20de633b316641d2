"""Operations commands: `flask --app starrating backup FILE` and `restore FILE`.

SQLite uses the online backup API (a consistent copy while the app keeps serving).
PostgreSQL uses pg_dump's custom format and pg_restore (client tools of the server's major
version must be installed: Debian's postgresql-client).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from ..extensions import db


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_env(url) -> tuple[list[str], dict]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # passed to the child only, never printed
    return args, env


def backup_database(target: Path) -> None:
    url = _url()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        db.session.remove()
        source = sqlite3.connect(url.database)
        tmp = target.with_suffix(target.suffix + ".part")
        dest = sqlite3.connect(tmp)
        with dest:
            source.backup(dest)
        dest.close()
        source.close()
        tmp.replace(target)
    elif url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise click.ClickException("pg_dump is not installed (apt-get install postgresql-client)")
        args, env = _pg_env(url)
        subprocess.run(["pg_dump", *args, "-Fc", "--no-owner", "-f", str(target), url.database],
                       check=True, env=env)
    else:
        raise click.ClickException(f"backup is not supported for {url.get_backend_name()}")


def restore_database(source: Path) -> None:
    url = _url()
    source = Path(source)
    if not source.is_file():
        raise click.ClickException(f"no such backup file: {source}")
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(source) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException("the backup file is damaged (integrity check failed)")
        src = sqlite3.connect(source)
        dest = sqlite3.connect(url.database)
        with dest:
            src.backup(dest)
        src.close()
        dest.close()
    elif url.get_backend_name() == "postgresql":
        if not shutil.which("pg_restore"):
            raise click.ClickException("pg_restore is not installed (apt-get install postgresql-client)")
        args, env = _pg_env(url)
        subprocess.run(["pg_restore", *args, "--clean", "--if-exists", "--no-owner",
                        "--single-transaction", "-d", url.database, str(source)],
                       check=True, env=env)
    else:
        raise click.ClickException(f"restore is not supported for {url.get_backend_name()}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path):
    """Write a consistent copy of the database to FILE."""
    try:
        backup_database(file)
    except subprocess.CalledProcessError as e:
        raise click.ClickException(f"pg_dump failed with exit code {e.returncode}") from None
    click.echo(f"Backup written to {file} ({file.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: Path, yes: bool):
    """Replace the database's contents with the backup in FILE."""
    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    try:
        restore_database(file)
    except subprocess.CalledProcessError as e:
        raise click.ClickException(f"pg_restore failed with exit code {e.returncode}") from None
    click.echo(f"Database restored from {file}.")
