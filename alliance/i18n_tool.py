"""Keep the message catalogs in step with the code: `python -m alliance.i18n_tool update|check|fill`.

The shared catalog covers everything outside the feature packages that have a catalog of
their own; a feature's catalog covers `alliance/<feature>/` and `templates/<feature>/`.
English catalogs are filled with the English source text; Chinese ones are translated by hand
(edit the .po, or `fill CATALOG zh_Hans_CN strings.json` with a {msgid: msgstr} object).
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from alliance.i18n import PACKAGE_DIR

ROOT = PACKAGE_DIR.parent
TEMPLATES = ROOT / "templates"
LOCALES = ("zh_Hans_CN", "en")
SOURCE_LOCALE = "en"
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
TEMPLATE_SUFFIXES = {".html", ".txt", ".xml"}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"}


def features() -> list[str]:
    """Return the feature packages that keep their own catalog."""
    return sorted(p.parent.name for p in PACKAGE_DIR.glob("*/translations") if p.is_dir())


def catalog_dirs() -> dict[str, Path]:
    dirs = {"core": PACKAGE_DIR / "translations"}
    dirs.update({name: PACKAGE_DIR / name / "translations" for name in features()})
    return dirs


def source_files(name: str) -> list[Path]:
    """Return the Python and template files whose messages belong to catalog `name`."""
    own = features()
    if name == "core":
        py = [
            p for p in PACKAGE_DIR.rglob("*.py") if p.relative_to(PACKAGE_DIR).parts[0] not in own
        ]
        tpl = [p for p in TEMPLATES.rglob("*") if p.relative_to(TEMPLATES).parts[0] not in own]
    else:
        py = list((PACKAGE_DIR / name).rglob("*.py"))
        tpl = list((TEMPLATES / name).rglob("*"))
    tpl = [p for p in tpl if p.suffix in TEMPLATE_SUFFIXES]
    return sorted(p for p in py if "translations" not in p.parts) + sorted(tpl)


def extract(name: str) -> Catalog:
    """Extract the messages of catalog `name` from its source files."""
    catalog = Catalog(project="alliance", charset="utf-8")
    for path in source_files(name):
        method = "python" if path.suffix == ".py" else "jinja2"
        options = {} if method == "python" else JINJA_OPTIONS
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options, strip_comment_tags=True
        ):
            catalog.add(
                message,
                None,
                [(str(path.relative_to(ROOT)), lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def po_path(directory: Path, locale: str) -> Path:
    return directory / locale / "LC_MESSAGES" / "messages.po"


def _fill_source(catalog: Catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not message.string or not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")


def update() -> None:
    """Re-extract every catalog and merge the new messages into each language's .po file."""
    for name, directory in catalog_dirs().items():
        template = extract(name)
        for locale in LOCALES:
            path = po_path(directory, locale)
            if path.exists():
                with open(path, "rb") as fh:
                    catalog = read_po(fh, locale=locale)
            else:
                catalog = Catalog(locale=locale, project="alliance", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            if locale == SOURCE_LOCALE:
                _fill_source(catalog)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
        print(f"{name}: {len(template)} messages")


def missing() -> list[str]:
    """Return one line for every message that lacks a translation in some catalog."""
    problems = []
    for name, directory in catalog_dirs().items():
        template = extract(name)
        for locale in LOCALES:
            path = po_path(directory, locale)
            if not path.exists():
                problems.append(f"{name}/{locale}: catalog missing")
                continue
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=locale)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, message.context)
                strings = () if found is None else found.string
                strings = strings if isinstance(strings, tuple | list) else (strings,)
                if found is None or found.fuzzy or not all(strings):
                    problems.append(f"{name}/{locale}: {message.id!r}")
    return problems


def inconsistent() -> list[str]:
    """Return messages that two catalogs translate differently (Flask-Babel would pick one)."""
    seen: dict[tuple, dict[str, list[str]]] = {}
    for name, directory in catalog_dirs().items():
        for locale in LOCALES:
            path = po_path(directory, locale)
            if not path.exists():
                continue
            with open(path, "rb") as fh:
                for message in read_po(fh, locale=locale):
                    if message.id and message.string:
                        key = (locale, str(message.id), message.context or "")
                        seen.setdefault(key, {}).setdefault(str(message.string), []).append(name)
    return [
        f"{locale}: {msgid!r} → " + "; ".join(f"{s!r} in {', '.join(c)}" for s, c in found.items())
        for (locale, msgid, _ctx), found in sorted(seen.items())
        if len(found) > 1
    ]


def fill(name: str, locale: str, json_file: str) -> None:
    """Set translations of catalog `name` from a JSON object {msgid: msgstr}."""
    import json

    with open(json_file, encoding="utf-8") as fh:
        strings = json.load(fh)
    path = po_path(catalog_dirs()[name], locale)
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    for message in catalog:
        if message.id in strings:
            message.string = strings[message.id]
            message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    if command == "fill":
        fill(*argv[1:4])
        return 0
    problems = missing() + inconsistent()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
