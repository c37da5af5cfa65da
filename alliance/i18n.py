"""Language choice and where the message catalogs live.

Each feature keeps its own catalog (`alliance/<feature>/translations`) next to its code, and
the shared one is `alliance/translations`; Flask-Babel merges them at run time.
"""

from pathlib import Path

from flask import current_app, has_request_context, request, session
from flask_login import current_user

PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    """Return every catalog directory: the shared one first, then each feature's."""
    dirs = [PACKAGE_DIR / "translations"]
    dirs += sorted(p for p in PACKAGE_DIR.glob("*/translations") if p.is_dir())
    return [str(d) for d in dirs]


def is_english() -> bool:
    """Tell whether the current request is in English."""
    from flask_babel import get_locale

    return str(get_locale()).startswith("en")


def localized(zh: str | None, en: str | None) -> str:
    """Return the English text in English when there is one, else the Chinese text."""
    if en and is_english():
        return en
    return zh or en or ""


def match_language(tag: str) -> str | None:
    """Map a language tag such as zh-CN, zh_Hans or en-GB to one of ours."""
    tag = tag.replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_Hans_CN"
    if tag.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """Pick the language: the session's choice, then the user's, then Accept-Language, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    for tag, _quality in request.accept_languages:
        match = match_language(tag)
        if match:
            return match
    return current_app.config["BABEL_DEFAULT_LOCALE"]
