"""Languages: Simplified Chinese by default, English complete, switchable and remembered.

Translations are kept as several .po files under translations/<locale>/ (one per area of
the app, so people working on different pages do not edit one file). At start they are
merged and compiled into a messages.mo in the instance folder when any .po is newer:
a forgotten `pybabel compile` can never leave the app showing English to Chinese users.
Babel reads `zh_CN` as `zh_Hans_CN`, so the Chinese folder must be named `zh_Hans_CN`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from flask_login import current_user

from .extensions import babel

SOURCE_DIR = Path(__file__).resolve().parent / "translations"
LANG_COOKIE = "lang"
_lock = threading.Lock()
_compiled: dict[str, float] = {}


def compile_catalogs(target_dir: Path, source_dir: Path = SOURCE_DIR) -> Path:
    """Merge each locale's .po files and write <target>/<locale>/LC_MESSAGES/messages.mo."""
    with _lock:
        for locale_dir in sorted(p for p in source_dir.iterdir() if p.is_dir()):
            po_files = sorted(locale_dir.glob("*.po"))
            newest = max((p.stat().st_mtime for p in po_files), default=0.0)
            mo_path = target_dir / locale_dir.name / "LC_MESSAGES" / "messages.mo"
            key = str(mo_path)
            if _compiled.get(key) == newest and mo_path.exists():
                continue
            if mo_path.exists() and mo_path.stat().st_mtime >= newest:
                _compiled[key] = newest
                continue
            merged = Catalog(locale=locale_dir.name)
            for po in po_files:
                with po.open("rb") as fh:
                    for message in read_po(fh, locale=locale_dir.name):
                        if message.id and message.string:
                            merged[message.id] = message
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = mo_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            with tmp.open("wb") as fh:
                write_mo(fh, merged)
            tmp.replace(mo_path)
            _compiled[key] = newest
    return target_dir


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANG_COOKIE) if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    target = compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def inject_languages():
        from flask_babel import get_locale

        locale = get_locale()
        return {
            "LANGUAGES": app.config["LANGUAGES"],
            "current_lang": str(locale) if locale else app.config["BABEL_DEFAULT_LOCALE"],
        }
