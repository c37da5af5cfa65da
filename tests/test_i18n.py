"""Every message has a Chinese and an English translation."""

from alliance import i18n_tool


def test_catalogs_are_complete():
    problems = i18n_tool.missing()
    assert problems == [], (
        "untranslated messages (run `make translations`, then translate):\n"
        + "\n".join(problems[:50])
    )


def test_every_feature_catalog_exists():
    dirs = i18n_tool.catalog_dirs()
    assert "core" in dirs
    for directory in dirs.values():
        for locale in i18n_tool.LOCALES:
            assert i18n_tool.po_path(directory, locale).exists()


def test_shared_messages_are_translated_alike():
    """The catalogs are merged at run time, so one msgid must have one translation."""
    problems = i18n_tool.inconsistent()
    assert problems == [], "messages translated differently in two catalogs:\n" + "\n".join(
        problems
    )
