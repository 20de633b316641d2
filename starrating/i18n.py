"""Languages: Simplified Chinese by default, English complete, switchable and remembered.

Translations are kept as several .po files under translations/<locale>/ (one per area of
the app, so people working on different pages do not edit one file). At start they are
merged and compiled into a messages.mo in the instance folder, in a folder named by the
sources' signature (so a stale catalog is never used):
a forgotten `pybabel compile` can never leave the app showing English to Chinese users.
Babel reads `zh_CN` as `zh_Hans_CN`, so the Chinese folder must be named `zh_Hans_CN`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel
from .services.clock import babel_timezone

SOURCE_DIR = Path(__file__).resolve().parent / "translations"
LANG_COOKIE = "lang"
_lock = threading.Lock()
_compiled: dict[str, bool] = {}


def _signature(source_dir: Path) -> str:
    """A digest of every .po file's name, size and modification time."""
    parts = sorted(f"{p.relative_to(source_dir)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                   for p in source_dir.glob("*/*.po"))
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:12]


def compile_catalogs(target_root: Path, source_dir: Path = SOURCE_DIR) -> Path:
    """Merge each locale's .po files into <target_root>/<signature>/<locale>/LC_MESSAGES/messages.mo.

    The folder is named by the sources' signature, so a catalog compiled from older .po
    files can never be mistaken for the current one, however processes race."""
    target_dir = target_root / _signature(source_dir)
    with _lock:
        if _compiled.get(str(target_dir)):
            return target_dir
        for locale_dir in sorted(p for p in source_dir.iterdir() if p.is_dir()):
            mo_path = target_dir / locale_dir.name / "LC_MESSAGES" / "messages.mo"
            if mo_path.exists():
                continue
            merged = Catalog(locale=locale_dir.name)
            for po in sorted(locale_dir.glob("*.po")):
                with po.open("rb") as fh:
                    for message in read_po(fh, locale=locale_dir.name):
                        if message.id and message.string:
                            merged[message.id] = message
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = mo_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            with tmp.open("wb") as fh:
                write_mo(fh, merged)
            tmp.replace(mo_path)
        _compiled[str(target_dir)] = True
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
    babel.init_app(app, locale_selector=select_locale, timezone_selector=babel_timezone)

    @app.context_processor
    def inject_languages():
        locale = get_locale()
        return {
            "LANGUAGES": app.config["LANGUAGES"],
            "current_lang": str(locale) if locale else app.config["BABEL_DEFAULT_LOCALE"],
        }
