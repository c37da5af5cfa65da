"""Credit-code and website validators (reused by the membership feature)."""

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from alliance.members import credit_code
from alliance.members.forms import CreditCode, HttpUrl

VALID = ("914403001922038216", "9144030071526726XG")


class CodeForm(FlaskForm):
    code = StringField(validators=[CreditCode()])
    website = StringField(validators=[HttpUrl()])


def _errors(app, **data):
    with app.test_request_context(method="POST", data=data):
        form = CodeForm(meta={"csrf": False})
        form.validate()
        return form


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid(app, code):
    assert credit_code.is_valid(code)
    form = _errors(app, code=code)
    assert form.errors == {}


def test_lower_case_and_spaces_are_normalised(app):
    form = _errors(app, code=" 9144030071526726xg ")
    assert form.errors == {}
    assert form.code.data == "9144030071526726XG"


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_corruption_is_caught_as_a_check_mismatch(app, code):
    for position in range(18):
        for replacement in credit_code.ALPHABET:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert credit_code.problem(corrupted) == "check", corrupted
    form = _errors(app, code=code[:17] + ("0" if code[17] != "0" else "1"))
    assert "校验码" in form.errors["code"][0]


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-"])
def test_a_character_the_standard_never_uses_is_named(app, bad):
    code = "91440300" + bad + VALID[0][9:]
    form = _errors(app, code=code)
    assert f"“{bad}”" in form.errors["code"][0]
    assert credit_code.problem(code) == "character"


@pytest.mark.parametrize("code,n", [(VALID[0][:17], 17), (VALID[0] + "1", 19)])
def test_wrong_length_says_how_long(app, code, n):
    form = _errors(app, code=code)
    assert f"应为 18 位（当前为 {n} 位）" in form.errors["code"][0]


def test_messages_in_english(app):
    with app.test_request_context(
        method="POST", data={"code": VALID[0][:17] + "0"}, headers={"Accept-Language": "en"}
    ):
        form = CodeForm(meta={"csrf": False})
        form.validate()
        assert "check character" in form.errors["code"][0]


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://example.com", True),
        ("http://example.com/path?q=1", True),
        ("javascript:alert(1)", False),
        ("ftp://example.com", False),
        ("example.com", False),
        ("https://", False),
        ("https://exa mple.com", False),
        ("data:text/html,hi", False),
    ],
)
def test_website_must_be_http_or_https(app, url, ok):
    form = _errors(app, code="", website=url)
    assert ("website" not in form.errors) is ok
