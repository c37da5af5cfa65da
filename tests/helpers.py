"""Small helpers shared by the feature tests."""

import re

# A form's hidden CSRF field, whatever the order of its attributes (`csrf_token()` in a
# template, or WTForms' `form.csrf_token`).
_CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="[^"]*"')
CSRF_PLACEHOLDER = "<csrf-token>"  # noqa: S105 - a placeholder, not a secret


def mask_csrf(html: str) -> str:
    """Replace every CSRF token in a page with a placeholder.

    A token is signed with the time it was made, so two renderings of the same page a second
    apart differ only there; compare pages with their tokens masked.
    """
    return _CSRF_INPUT.sub(lambda m: _VALUE.sub(f'value="{CSRF_PLACEHOLDER}"', m.group(0)), html)
