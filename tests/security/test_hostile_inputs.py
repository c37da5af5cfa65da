"""The hostile-input corpus, posted to every form of tests/security/hostile_forms.py.

For every form, field and payload posted: never a 500; a refused submission stores nothing; no
payload is ever reflected unescaped; a value one character over a field's length limit is
never accepted; what a form legitimately stored is shown escaped.

Every form gets every kind of payload (KINDS), not every variant in every field: each field
gets the core payloads, the first (`full`) fields a variant of every kind, rotated over fields
and forms so that every variant is posted, and the other fields share the remaining payloads.
"""

import copy
import functools
import io
import re
import shutil
import struct
import time
import zipfile
import zlib
from html.parser import HTMLParser

import pyotp
import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart
from wtforms.fields import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

from alliance import create_app
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members import credit_code
from tests.conftest import BASE_CONFIG, PG_URL, _empty_postgres
from tests.factories import PASSWORD
from tests.security import hostile_forms
from tests.security.hostile_forms import FORMS, FormCase, build_hostile_world, valid_xlsx
from tests.security.matrix import TOTP_SECRET

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "javascript:alert(1)",
    "{{7*7}}",
    "{% for x in range(3) %}loop{% endfor %}",
    "${7*7}#{7*7}<%= 7*7 %>",
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "%_\\%",
    "_",
    "%",
    "a" * 10_000,
    "\x01\x02\x07\x1b[31m\x7f",
    "line1\r\nBcc: victim@example.org",
    "nul\x00byte",
    "\u200b\u200c\u200d\ufeff",
    "\u202eevil\u202c\u2066",
    "𝕏😀𠜎",
    "   ",
    "",
    "１２３４５６",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "true",
    "[]",
    '{"$gt": ""}',
    "../../../../etc/passwd",
    "a@example.org\nb@example.org",
    "ＡＤＭＩＮ@example.org",
]
HTML_SPECIAL = re.compile(r"[<>\"']")
OPENS_TAG = re.compile(r"<[A-Za-z!/?]")


def reflected_raw(payload: str, text: str) -> bool:
    """Tell whether a payload with HTML specials appears unescaped in a page.

    Only a payload that can be told apart from the page's own markup counts: one that opens a
    tag, or is at least six characters long. A lone `"` or `'>` is in every HTML page and
    cannot inject anything by itself.
    """
    if not payload or not HTML_SPECIAL.search(payload) or payload not in text:
        return False
    return bool(OPENS_TAG.search(payload)) or len(payload) >= 6


# The payloads by what they probe (indices into PAYLOADS). The variants of a kind take the same
# path through a form, so a field gets one variant of each kind, not all of them.
KINDS = {
    "markup": (0, 1, 2),
    "javascript: URL": (3,),
    "template syntax": (4, 5, 6),
    "SQL": (7, 8),
    "LIKE wildcards": (9, 10, 11),
    "oversize": (12,),
    "control characters": (13,),
    "line breaks (header injection)": (14, 31),
    "NUL byte": (15,),
    "invisible and bidi": (16, 17),
    "astral and fullwidth": (18, 21, 32),
    "blank": (19, 20),
    "numbers": (22, 23, 24, 25, 26),
    "other types": (27, 28, 29),
    "path": (30,),
}
assert sorted(i for kind in KINDS.values() for i in kind) == list(range(len(PAYLOADS)))
# Payloads every fuzzed field gets.
CORE = (0, 1, 4, 12, 15)


def one_of_each_kind(rotation: int) -> list[int]:
    """A variant of every kind, the variant picked by `rotation` (the form's and the field's
    position), so that across fields and forms every variant is posted."""
    return sorted(kind[rotation % len(kind)] for kind in KINDS.values())


class _ActiveContent(HTMLParser):
    """Find what would run in a page: inline scripts, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in ("href", "src", "action", "formaction") and url.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:30]}>")
        self._in_script = tag == "script" and not dict(attrs).get("src")
        if tag in ("iframe", "object", "embed", "svg"):
            self.found.append(f"<{tag}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:30]!r}")

    def handle_endtag(self, tag):
        self._in_script = False


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    return parser.found


def _strip_host(location: str) -> str:
    return location.removeprefix("http://localhost")


# ---------------------------------------------------------------- the world and its state


HOSTILE_CONFIG = {"SECRETARIAT_REQUIRES_2FA": True, "LOGIN_MAX_FAILURES": 100_000}


@pytest.fixture(scope="module")
def hostile_world(database_template, tmp_path_factory):
    """Build the world once per module (per xdist worker); each test starts from a copy.

    SQLite: the database file, copied over each test's database. PostgreSQL: every row of
    every table, reinserted into each test's emptied database.
    """
    if PG_URL:
        url, path = PG_URL, None
    else:
        path = tmp_path_factory.mktemp("hostile") / "world.db"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **HOSTILE_CONFIG})
    if PG_URL:
        _empty_postgres(app)
    with app.app_context():
        with app.test_request_context():
            world = build_hostile_world()
        db.session.commit()
        originals = _people(set(world.users.values()))
        rows = None
        if PG_URL:
            with db.engine.connect() as conn:
                rows = {
                    t.name: [dict(r) for r in conn.execute(t.select()).mappings()]
                    for t in db.metadata.sorted_tables
                }
        db.session.remove()
        db.engine.dispose()  # checkpoints SQLite's write-ahead log into the file
    return world, originals, path, rows


def _app_in_a_copy_of(hostile_world, make_app, database_url, **config) -> tuple:
    """An app on this test's database holding a copy of the module's world: (app, world,
    originals)."""
    world, originals, path, rows = hostile_world
    if path is not None:
        shutil.copyfile(path, make_url(database_url).database)
        return make_app(**config), copy.deepcopy(world), dict(originals)
    app = make_app(**config)
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        for table in db.metadata.sorted_tables:
            # The emptied tables' sequences restarted: move them past the copied ids.
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE(MAX(id), 0) + 1, false) FROM "{table.name}"'
                )
    return app, copy.deepcopy(world), dict(originals)


@pytest.fixture
def hostile(make_app, hostile_world, database_url):
    return _app_in_a_copy_of(hostile_world, make_app, database_url, **HOSTILE_CONFIG)


# What an accepted submission may change about an account, restored after it.
PERSON = (User.email, User.email_normalized, User.password_hash, User.active, User.display_name)


def _people(ids) -> dict[int, tuple]:
    """Each account's PERSON columns and last two-factor step, in one query."""
    rows = db.session.execute(
        sa.select(User.id, *PERSON, User.totp_last_step).where(User.id.in_(ids))
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def _restore_people(app, originals) -> None:
    """Undo what an accepted submission did to the accounts, so the next one can sign in
    (and forget their last two-factor step); write only the accounts that changed."""
    with app.app_context():
        current = _people(originals)
        for uid, values in originals.items():
            wanted = (*values[:-1], None)
            if current.get(uid) != wanted:
                columns = {c.key: v for c, v in zip(PERSON, values[:-1], strict=True)}
                db.session.execute(
                    sa.update(User).where(User.id == uid).values(**columns, totp_last_step=None)
                )
        db.session.commit()


def _client(app, world, role):
    client = app.test_client()
    if role == "anonymous":
        return client
    email = world.emails[role]
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"{role} cannot sign in"
    if response.headers["Location"].endswith("/login/verify"):
        with app.app_context():
            uid = world.users[role]
            db.session.execute(sa.update(User).where(User.id == uid).values(totp_last_step=None))
            db.session.commit()
        code = pyotp.TOTP(TOTP_SECRET).at(time.time())
        assert client.post("/login/verify", data={"code": code}).status_code == 302
    return client


@functools.cache
def _snapshot_statement(volatile: tuple):
    """One query for every row of every table, each row as one text (one round trip)."""
    skipped = dict(volatile)
    selects = []
    for table in db.metadata.sorted_tables:
        skip = skipped.get(table.name, ())
        if "*" in skip:
            continue
        row = None
        for column in table.columns:
            if column.name in skip:
                continue
            value = sa.func.length(column) if isinstance(column.type, sa.LargeBinary) else column
            text = sa.func.coalesce(sa.cast(value, sa.Text), "\x01")
            row = text if row is None else row + sa.literal("\x02", sa.Text) + text
        selects.append(sa.select(sa.literal(table.name, sa.Text).label("t"), row.label("r")))
    return sa.union_all(*selects)


def _snapshot(app, case: FormCase) -> dict:
    """Every row of every table, without the columns the form may touch even when refusing."""
    key = tuple(sorted((name, tuple(sorted(cols))) for name, cols in case.volatile.items()))
    state: dict[str, list[str]] = {}
    with app.app_context(), db.engine.connect() as conn:
        for table, row in conn.execute(_snapshot_statement(key)):
            state.setdefault(table, []).append(row)
    return {table: sorted(rows) for table, rows in state.items()}


def _url(app, case, world, args=None) -> str:
    with app.app_context(), app.test_request_context():
        return url_for(case.endpoint, **(args if args is not None else case.args(world)))


def _show_url(case, world, location) -> str | None:
    return case.show(world, location) if callable(case.show) else case.show


def fields_of(case: FormCase, world) -> dict:
    return dict(case.fields(world)) if callable(case.fields) else dict(case.fields)


def _with_files(case: FormCase, data):
    """Add fresh copies of the form's valid files to a submission (unless it replaced them)."""
    if not case.files or data is None:
        return data, None
    data = dict(data)
    for name, make in case.files.items():
        if name not in data:
            content, filename = make()
            data[name] = (io.BytesIO(content), filename)
        elif isinstance(data[name], tuple) and isinstance(data[name][0], bytes):
            data[name] = (io.BytesIO(data[name][0]), data[name][1])
    return data, "multipart/form-data"


def _limits(case: FormCase, fields) -> dict[str, int]:
    """Read max lengths from the form's Length validators."""
    if case.form_class is None:
        return {}
    limits = {}
    for name in fields:
        unbound = getattr(case.form_class, name.removeprefix(case.prefix), None)
        kwargs = getattr(unbound, "kwargs", {}) if unbound is not None else {}
        for validator in kwargs.get("validators", []) or []:
            if isinstance(validator, Length) and validator.max and validator.max > 0:
                limits[name] = validator.max
    return limits


# A single line refuses every control character; a text area keeps line breaks and tabs only.
SINGLE_LINE_CONTROLS = "王小明\r\nBcc: victim@example.org\x1b\x85"
MULTI_LINE_CONTROLS = "第一行\r\n第二行\x0b\x1b[31m\x7f"
CONTROLS_MESSAGE = "控制字符"


def _control_payloads(case: FormCase, fields) -> dict[str, str]:
    """Each text field of the form and the control characters it must refuse."""
    if case.form_class is None:
        return {}
    payloads = {}
    for name in fields:
        unbound = getattr(case.form_class, name.removeprefix(case.prefix), None)
        kind = getattr(unbound, "field_class", None)
        if kind is None or not issubclass(kind, StringField):
            continue
        if issubclass(kind, TextAreaField):
            payloads[name] = MULTI_LINE_CONTROLS
        elif not issubclass(kind, PasswordField | HiddenField):
            payloads[name] = SINGLE_LINE_CONTROLS
    return payloads


# ---------------------------------------------------------------- one submission


class Submit:
    """Submit one variant of a form and check the invariants; collect failures."""

    def __init__(self, hostile, case: FormCase):
        self.app, self.world, self.originals = hostile
        self.case = case
        self.fields = fields_of(case, self.world)
        self.failures: list[str] = []
        self.count = 0
        self._signed_in = None  # reused until a submission is accepted (it may end the session)
        self._state = None

    def __call__(
        self,
        label,
        data=None,
        *,
        raw=None,
        content_type=None,
        payload=None,
        must_refuse=False,
        stored_as_sent=True,
        url_args=None,
        field=None,
    ):
        app, world, case = self.app, self.world, self.case
        self.count += 1
        fresh = self._signed_in is None and case.role != "anonymous"
        if case.role == "anonymous" or self._signed_in is None:
            self._signed_in = _client(app, world, case.role)
        client = self._signed_in
        case.prepare(app, client, world)
        url = _url(app, case, world, url_args)
        # The state a refused submission left (checked unchanged) is the next one's start.
        reuse = self._state is not None and not fresh and case.prepare is hostile_forms._nothing
        before = self._state if reuse else _snapshot(app, case)
        self._state = None
        if raw is None and content_type is None:
            data, content_type = _with_files(case, data)
        if case.method == "GET":
            response = client.get(url, query_string=data)
        elif raw is not None:
            response = client.post(url, data=raw, content_type=content_type)
        elif content_type == "multipart/form-data":
            body, content_type = _multipart(data)
            response = client.post(url, data=body, content_type=content_type)
        else:
            response = client.post(url, data=data, content_type=content_type)
        code = response.status_code
        where = f"{case.name} / {label}"
        if code >= 500:
            self.failures.append(f"{where}: {code}")
            return response
        location = _strip_host(response.headers.get("Location", ""))
        if case.accepted is not None:
            accepted = case.accepted(response, client)
        elif case.success is not None:
            accepted = code in (302, 303) and location.startswith(case.success)
        else:
            accepted = code == 200 and case.method == "POST"
        if case.method == "GET":
            accepted = False  # a filter never stores anything
        if reflected_raw(payload, response.text):
            self.failures.append(f"{where}: payload reflected unescaped")
        if "html" in response.content_type and (found := active_content(response.text)):
            self.failures.append(f"{where}: active content in the answer: {found}")
        if must_refuse and accepted:
            self.failures.append(f"{where}: accepted but must be refused")
        if not accepted:
            self._state = _snapshot(app, case)
            if self._state != before:
                self.failures.append(f"{where}: refused ({code}) but the database changed")
        show = _show_url(case, world, location) if accepted else None
        if accepted and payload and show and stored_as_sent:
            page = client.get(show).text
            if found := active_content(page):
                self.failures.append(f"{where}: active content on {show}: {found}")
            shown = case.shown if case.shown is not None else tuple(self.fields)
            if field in shown and field not in case.rich:
                if reflected_raw(payload, page):
                    self.failures.append(f"{where}: stored payload shown unescaped on {show}")
                lines = [line.strip() for line in payload.splitlines() if line.strip()]
                if any(str(escape(line)) not in page for line in lines):
                    self.failures.append(f"{where}: stored value not shown (escaped) on {show}")
        if accepted:
            case.after_accept(app, client, world)
            _restore_people(app, self.originals)
            self._signed_in = None
        return response


def _multipart(data: dict) -> tuple[bytes, str]:
    """Encode a multipart body in memory (the test client spools big ones to files it leaks)."""
    items = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                item = FileStorage(
                    item[0], filename=item[1], content_type="application/octet-stream"
                )
            items.add(key, item)
    boundary, body = encode_multipart(items)
    return body, f"multipart/form-data; boundary={boundary}"


def _with(fields, name, value):
    data = dict(fields)
    data[name] = value
    return data


# ---------------------------------------------------------------- the corpus


def payloads_for(case: FormCase, fields: tuple[str, ...], name: str) -> list[int]:
    """The payloads (indices into PAYLOADS) one field of a form gets.

    The `full` fields get the core payloads and a variant of every kind (rotated over the
    fields and the forms); the others the core payloads and a share of the rest, so every
    payload reaches the form as soon as it has such fields.
    """
    full = case.full if case.full is not None else fields[:1]
    if name in full:
        return sorted(set(CORE) | set(one_of_each_kind(FORMS.index(case) + full.index(name))))
    rest = [other for other in fields if other not in full]
    k = rest.index(name)
    return [i for i in range(len(PAYLOADS)) if i in CORE or i % len(rest) == k]


def _run_corpus(submit: Submit, case: FormCase) -> None:
    fields = case.fuzz if case.fuzz is not None else tuple(submit.fields)
    full = case.full if case.full is not None else fields[:1]
    posted = {i for name in fields for i in payloads_for(case, fields, name)}
    assert not fields or all(posted & set(kind) for kind in KINDS.values()), case.name
    baseline = submit("baseline", dict(submit.fields))
    assert baseline.status_code < 500, f"{case.name}: the baseline fails"
    for name in fields:
        chosen = payloads_for(case, fields, name)
        for i in chosen:
            payload = PAYLOADS[i]
            submit(
                f"{name}=payload[{i}]",
                _with(submit.fields, name, payload),
                payload=payload,
                field=name,
                must_refuse=name in case.closed,
            )
        # Missing, duplicated (both orders), array-style and wrong-type values.
        submit(f"{name} missing", {k: v for k, v in submit.fields.items() if k != name})
        orders = ((submit.fields[name], PAYLOADS[0]), (PAYLOADS[0], submit.fields[name]))
        for order in orders if name in full else orders[1:]:
            data = {k: v for k, v in submit.fields.items() if k != name}
            data[name] = list(order)
            submit(f"{name} duplicated", data, payload=PAYLOADS[0], stored_as_sent=False)
        if name in full:
            submit(f"{name}[] array", {**submit.fields, f"{name}[]": "x"})
    # Control characters: one payload per text field, refused with a 400 or a form message.
    for name, payload in _control_payloads(case, fields).items():
        response = submit(
            f"{name}=control characters",
            _with(submit.fields, name, payload),
            payload=payload,
            field=name,
            must_refuse=True,
        )
        shown = response.text
        redirected = response.status_code in (302, 303)
        if redirected and case.accepted is not None:
            continue  # `accepted` read the flashed message on the next page: a refusal
        if redirected and submit._signed_in is not None:
            # refused with a flashed message on the page it leads to
            shown = submit._signed_in.get(_strip_host(response.headers["Location"])).text
            shown = shown if "alert-danger" in shown else ""
        if (
            response.status_code != 400
            and CONTROLS_MESSAGE not in shown
            and not (redirected and shown)
        ):
            submit.failures.append(
                f"{case.name} / {name}=control characters: {response.status_code}, no message"
            )
    for name, limit in _limits(case, submit.fields).items():
        submit(f"{name} at limit {limit}", _with(submit.fields, name, "x" * limit))
        submit(
            f"{name} over limit {limit + 1}",
            _with(submit.fields, name, "x" * (limit + 1)),
            must_refuse=True,
        )
        if "email" in name:
            local = "a" * (limit - len("@example.org") + 1)
            submit(
                f"{name} email over limit",
                _with(submit.fields, name, local + "@example.org"),
                must_refuse=True,
            )
    if case.foreign is not None:
        for name, ids in case.foreign(submit.world).items():
            for value in ids:
                submit(
                    f"{name}={value} (not this form's)",
                    _with(submit.fields, name, str(value)),
                    must_refuse=True,
                )
    if case.foreign_args is not None:
        submit(
            "another unit's object in the URL",
            dict(submit.fields),
            url_args=case.foreign_args(submit.world),
            must_refuse=True,
        )
    for name in case.id_fields:
        for role in ("other_unit_member",):
            submit(
                f"{name}=other unit's id",
                _with(submit.fields, name, str(submit.world.other_unit)),
                must_refuse=True,
            )
            submit(
                f"{name}=other user's id",
                _with(submit.fields, name, str(submit.world.users[role])),
                must_refuse=True,
            )
    if case.method == "POST":
        submit(
            "invalid UTF-8 (percent-encoded)",
            raw=b"&".join(f"{k}=".encode() + b"%FF%FE%ED%A0%80" for k in submit.fields),
            content_type="application/x-www-form-urlencoded",
        )
        submit(
            "invalid UTF-8 (raw bytes)",
            raw=b"&".join(f"{k}=".encode() + b"\xff\xfe\xc3" for k in submit.fields),
            content_type="application/x-www-form-urlencoded",
        )
        submit("JSON body", raw=b'{"a": [1, {"b": null}]}', content_type="application/json")
        submit(
            "XML body",
            raw=b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM "
            b"'file:///etc/passwd'>]><x>&e;</x>",
            content_type="application/xml",
        )
        submit(
            "a file in every field",
            {k: (io.BytesIO(b"<script>alert(1)</script>"), "x.html") for k in submit.fields},
            content_type="multipart/form-data",
        )
        submit("empty body", raw=b"", content_type="application/x-www-form-urlencoded")
        for name in case.file_fields:
            for label, (content, filename) in file_payloads()[case.file_kind].items():
                submit(
                    f"{name}: {label}",
                    {**submit.fields, name: (io.BytesIO(content), filename)},
                    content_type="multipart/form-data",
                    must_refuse=True,
                )


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in a few bytes (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 1024)
    body += (
        struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )
    return b"\x89PNG\r\n\x1a\n" + body


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx_bomb() -> bytes:
    """An XLSX whose one sheet inflates from ~100 kB to 100 MB (one huge cell)."""
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + b"A" * (100 * 1024 * 1024)
        + b"</t></is></c></row></sheetData></worksheet>"
    )
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def _xml_entity_bomb() -> bytes:
    """An XLSX whose workbook.xml is a billion-laughs entity expansion."""
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10)
    )
    return _zip(
        {
            "[Content_Types].xml": b"<?xml version='1.0'?><!DOCTYPE t ["
            + entities
            + b"]><t>&a9;</t>",
            "xl/workbook.xml": b"<?xml version='1.0'?><!DOCTYPE t [" + entities + b"]><t>&a9;</t>",
        }
    )


@functools.cache
def file_payloads() -> dict[str, dict[str, tuple[bytes, str]]]:
    """Hostile files per kind of upload field (built once: the bombs take a moment)."""
    over_8_mb = b"\x00" * (8 * 1024 * 1024 + 1)
    return {
        "image": {
            "over 2 MB": (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 1), "big.png"),
            "HTML named .png": (b"<html><script>alert(1)</script></html>", "logo.png"),
            "SVG with script": (
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
                "a.svg",
            ),
            "PNG bomb 50000x50000": (_png_header(50_000, 50_000), "bomb.png"),
            "truncated PNG": (_png_header(10, 10)[:40], "broken.png"),
            "empty file": (b"", "empty.png"),
        },
        "table": {
            "over the request limit": (over_8_mb, "big.csv"),
            "PNG named .csv": (_png_header(10, 10), "units.csv"),
            "HTML named .xlsx": (b"<html><script>alert(1)</script></html>", "units.xlsx"),
            "XLSX zip bomb": (_xlsx_bomb(), "bomb.xlsx"),
            "XLSX entity bomb": (_xml_entity_bomb(), "laughs.xlsx"),
            "truncated XLSX": (valid_xlsx()[:300], "broken.xlsx"),
            "invalid UTF-8 CSV": (b"\xff\xfe\xc3\x28credit\x00code\n\x80\x81", "units.csv"),
            "CSV cell over the csv module's field limit": (
                b"credit_code\n" + b"9" * 200_000 + b"\n",
                "units.csv",
            ),
            "NUL bytes in a CSV": (b"credit_code,name_zh\n\x00\x00,\x00\n", "units.csv"),
            "empty file": (b"", "units.csv"),
            "an .exe": (b"MZ\x90\x00" + b"\x00" * 100, "units.exe"),
        },
        "json": {
            "over the request limit": (over_8_mb, "ballots.json"),
            "PNG named .json": (_png_header(10, 10), "ballots.json"),
            "not JSON": (b"<script>alert(1)</script>", "ballots.json"),
            "deeply nested JSON": (b"[" * 100_000 + b"]" * 100_000, "ballots.json"),
            "huge number": (b'{"election": 1e999999, "ballots": [' + b"9" * 5000 + b"]}", "b.json"),
            "wrong types": (
                b'{"election": {"id": "x"}, "contests": "all", "ballots": {"a": null}}',
                "ballots.json",
            ),
            "lists of the wrong things": (
                b'{"election": {}, "contests": [1, null, "x"], "ballots": [[], 1, "x"]}',
                "ballots.json",
            ),
            "invalid UTF-8": (b'{"election": "\xff\xfe"}', "ballots.json"),
            "empty file": (b"", "ballots.json"),
        },
    }


@pytest.mark.parametrize("case", FORMS, ids=[c.name for c in FORMS])
def test_hostile_inputs(hostile, case):
    submit = Submit(hostile, case)
    _run_corpus(submit, case)
    print(f"{case.name}: {submit.count} submissions")
    assert not submit.failures, "\n".join(submit.failures)


POSTED = [c for c in FORMS if c.method == "POST"]


def test_oversize_body_is_refused(hostile):
    """Every form, one world: a body over MAX_CONTENT_LENGTH is a 413 and stores nothing."""
    app, world, _ = hostile
    failures = []
    for case in POSTED:
        client = _client(app, world, case.role)
        case.prepare(app, client, world)
        url = _url(app, case, world)
        before = _snapshot(app, case)
        big = app.config["MAX_CONTENT_LENGTH"] + 1
        response = client.post(url, data={**fields_of(case, world), "pad": "x" * big})
        if response.status_code != 413:
            failures.append(f"{case.name}: {response.status_code}")
        if _snapshot(app, case) != before:
            failures.append(f"{case.name}: the database changed")
    assert not failures, failures


def test_missing_stale_and_forged_csrf_tokens(make_app, hostile_world, database_url):
    """Every form, one world: missing, foreign, forged and empty tokens are refused."""
    app, world, _ = _app_in_a_copy_of(
        hostile_world,
        make_app,
        database_url,
        WTF_CSRF_ENABLED=True,
        SECRETARIAT_REQUIRES_2FA=False,
    )
    other = app.test_client()
    page = other.get("/login").text
    foreign = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    failures = []
    clients = {}
    for case in POSTED:
        # Sign in through the form with a valid token, then try the form with bad ones.
        if case.role not in clients:
            client = clients[case.role] = app.test_client()
            if case.role != "anonymous":
                token = re.search(
                    r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text
                ).group(1)
                client.post(
                    "/login",
                    data={
                        "csrf_token": token,
                        "email": world.emails[case.role],
                        "password": PASSWORD,
                    },
                )
        client = clients[case.role]
        url = _url(app, case, world)
        before = _snapshot(app, case)
        for label, token in [
            ("missing", None),
            ("another session's", foreign),
            ("forged", foreign[:-4] + "AAAA"),
            ("empty", ""),
        ]:
            data = fields_of(case, world)
            if token is not None:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            if response.status_code != 400 or "表单已过期或来自其他网站" not in response.text:
                failures.append(f"{case.name} / {label} token: {response.status_code}")
        if _snapshot(app, case) != before:
            failures.append(f"{case.name}: the database changed")
    assert not failures, failures


# ---------------------------------------------------------------- Hypothesis

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=_text)
def test_account_display_name_property(hostile, name):
    app, world, originals = hostile
    case = next(c for c in FORMS if c.name == "account")
    submit = Submit(hostile, case)
    submit(
        "hypothesis",
        {"display_name": name},
        payload=name,
        must_refuse=(
            len(name.strip()) == 0
            or len(name) > 100
            or re.search(r"[\x00-\x1f\x7f-\x9f]", name) is not None
        ),
    )
    assert not submit.failures, submit.failures


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.fixed_dictionaries(
        {
            "action": _text,
            "target_type": _text,
            "target_id": _text,
            "actor": _text,
            "date_from": st.one_of(_text, st.dates().map(str)),
            "date_to": _text,
        }
    )
)
def test_audit_filters_property(hostile, values):
    case = next(c for c in FORMS if c.name == "admin: audit filters")
    submit = Submit(hostile, case)
    submit("hypothesis", values, payload=" ".join(values.values()))
    assert not submit.failures, submit.failures


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(email=_text, password=_text)
def test_login_property(hostile, email, password):
    case = next(c for c in FORMS if c.name == "login")
    submit = Submit(hostile, case)
    submit("hypothesis", {"email": email, "password": password}, payload=email, must_refuse=True)
    assert not submit.failures, submit.failures


def _distinct(text: str) -> str | None:
    """A generated text checked for reflection only when long enough not to occur by chance
    in any page ("<" or "</a>" do); active content is looked for in every answer anyway."""
    return text if len(text.strip()) >= 12 else None


_search = st.one_of(
    _text,
    st.text(alphabet="%_\\'\"<>*()[]{}:^~-+!&|/ 厦门软件实训基地abcXYZ019", max_size=60),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=_search, other=_text)
def test_directory_search_property(hostile, q, other):
    case = next(c for c in FORMS if c.name == "members: directory search")
    submit = Submit(hostile, case)
    submit("hypothesis", {"q": q, "service": other, "per_page": other[:8]}, payload=_distinct(q))
    assert not submit.failures, submit.failures


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=_search, category=_text)
def test_resources_search_property(hostile, q, category):
    for name in ("resources: browse", "admin: listings filter"):
        case = next(c for c in FORMS if c.name == name)
        submit = Submit(hostile, case)
        data = {"q": q, "category": category, "status": category}
        submit("hypothesis", data, payload=_distinct(q))
        assert not submit.failures, submit.failures


def _code_with_check(body: str) -> str:
    return body + credit_code.check_character(body)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    code=st.one_of(
        st.text(alphabet=credit_code.ALPHABET + "IOSVZ-io ０１\u200b", max_size=22),
        st.text(alphabet=credit_code.ALPHABET, min_size=17, max_size=17).map(_code_with_check),
        _text,
    )
)
def test_application_credit_code_property(hostile, code):
    """Whatever is typed as the credit code: a refusal with a message, or a valid code stored."""
    case = next(c for c in FORMS if c.name == "membership: apply")
    submit = Submit(hostile, case)
    invalid = credit_code.problem(credit_code.normalize(code)) is not None
    response = submit(
        "hypothesis",
        {**submit.fields, "credit_code": code},
        payload=_distinct(code),
        must_refuse=invalid,
    )
    assert not submit.failures, submit.failures
    if invalid:
        # a form error on the page, or a 400 (a NUL byte is refused before the form)
        assert response.status_code == 400 or "invalid-feedback" in response.text


def test_import_preview_shows_hostile_cells_escaped(hostile):
    """A CSV whose cells are payloads is previewed (each row refused or planned), escaped."""
    app, world, _ = hostile
    client = _client(app, world, "secretariat")
    rows = ["统一社会信用代码,单位名称,英文名称,地址"]
    for payload in PAYLOADS[:12]:
        cell = '"' + payload.replace('"', '""') + '"'
        rows.append(f"{cell},{cell},{cell},{cell}")
    body = ("\n".join(rows) + "\n").encode()
    response = client.post(
        "/admin/units/import",
        data={"file": (io.BytesIO(body), "units.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert active_content(page) == []
    for payload in PAYLOADS[:12]:
        if HTML_SPECIAL.search(payload):
            assert payload not in page
