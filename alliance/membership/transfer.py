"""Export of member units to CSV/XLSX and import as an upsert keyed on the credit code."""

import csv
import io
import re
import secrets
import zipfile
from datetime import date, datetime
from types import SimpleNamespace

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from wtforms.validators import ValidationError

from alliance import audit
from alliance.clock import now_utc, today_local
from alliance.extensions import db
from alliance.members import credit_code as cc
from alliance.members.forms import HttpUrl, credit_code_message
from alliance.members.models import (
    DISTRICTS,
    ORG_TYPES,
    STAFF_SIZES,
    STATUS_ACTIVE,
    STATUS_APPLICANT,
    STATUSES,
    TIERS,
    MemberUnit,
    normalize_name,
)
from alliance.membership.models import ImportPreview
from alliance.membership.services import (
    FIELD_LABELS,
    MembershipError,
    make_slug,
    record_history,
)

# key, Chinese header, English header
COLUMNS = (
    ("credit_code", "统一社会信用代码", "Credit code"),
    ("name_zh", "单位名称", "Chinese name"),
    ("name_en", "英文名称", "English name"),
    ("short_name", "简称", "Short name"),
    ("org_type", "单位类型", "Type"),
    ("tier", "会员等级", "Tier"),
    ("status", "状态", "Status"),
    ("is_founding", "创始会员", "Founding member"),
    ("district", "所在区", "District"),
    ("address", "地址", "Address"),
    ("phone", "电话", "Phone"),
    ("email", "电子邮箱", "Email"),
    ("website", "网址", "Website"),
    ("founded_year", "成立年份", "Founded"),
    ("staff_size", "人员规模", "Staff size"),
    ("joined_on", "入会日期", "Joined on"),
    ("valid_until", "会籍有效期至", "Valid until"),
)
CHOICES = {
    "org_type": ORG_TYPES,
    "tier": TIERS,
    "status": STATUSES,
    "district": DISTRICTS,
    "staff_size": STAFF_SIZES,
}
MAX_LENGTHS = {
    "name_zh": 200,
    "name_en": 300,
    "short_name": 50,
    "address": 300,
    "phone": 40,
    "email": 254,
    "website": 300,
}
YES = {"1", "y", "yes", "true", "是", "√", "✓"}
NO = {"0", "n", "no", "false", "否", "×"}


def headers(lang: str) -> list[str]:
    """Return the column headers in Chinese ('zh') or English ('en')."""
    return [zh if lang == "zh" else en for _key, zh, en in COLUMNS]


def _label(field: str, code: str | None, lang: str) -> str:
    if not code:
        return ""
    with force_locale("zh_Hans_CN" if lang == "zh" else "en"):
        return str(CHOICES[field].get(code, code))


def _safe_cell(value):
    """Keep spreadsheet programs from reading a text cell as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def unit_row(unit: MemberUnit, lang: str) -> list:
    """Return one unit as a row of cells in the export's column order."""
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    row = []
    for key, _zh, _en in COLUMNS:
        value = getattr(unit, key)
        if key in CHOICES:
            value = _label(key, value, lang)
        elif key == "is_founding":
            value = yes if value else no
        elif isinstance(value, date):
            value = value.isoformat()
        row.append(_safe_cell("" if value is None else value))
    return row


def export_csv(units, lang: str) -> bytes:
    """Return the units as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(lang))
    for unit in units:
        writer.writerow(unit_row(unit, lang))
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(units, lang: str) -> bytes:
    """Return the units as an XLSX workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员单位" if lang == "zh" else "Member units")
    sheet.append(headers(lang))
    for unit in units:
        sheet.append(unit_row(unit, lang))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Import ----------------------------------------------------------------------------------


class ImportFileError(MembershipError):
    """The file cannot be read as a table of units; the message says why."""

    status = 400


def _header_map() -> dict[str, str]:
    names = {}
    for key, zh, en in COLUMNS:
        for name in (key, zh, en):
            names[name.strip().casefold()] = key
    return names


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """Read a CSV or XLSX file into rows of text cells (the first row holds the headers)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = []
            limit = current_app.config["IMPORT_MAX_ROWS"] + 1
            for row in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10):
                rows.append([_cell_text(v) for v in row])
                if len(rows) > limit + 100:  # stop reading a runaway sheet early
                    break
            workbook.close()
        except (
            InvalidFileException,
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            IndexError,
            OSError,  # openpyxl: "File contains no valid workbook part"
            EOFError,
        ) as exc:
            raise ImportFileError(_l("The file could not be read as an XLSX workbook.")) from exc
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_l("The CSV file is neither UTF-8 nor GB18030 text."))
        if "\x00" in text:  # never text, and PostgreSQL cannot store it
            raise ImportFileError(_l("The CSV file is malformed."))
        try:
            rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:
            raise ImportFileError(_l("The CSV file is malformed.")) from exc
    else:
        raise ImportFileError(_l("Upload a .csv or .xlsx file."))
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise ImportFileError(_l("The file is empty."))
    return rows


def rows_to_records(rows: list[list[str]]) -> list[dict]:
    """Map the header row to column keys; return [{"line": n, "cells": {key: text}}]."""
    names = _header_map()
    keys = []
    for header in rows[0]:
        header = header.strip()
        if not header:
            keys.append(None)
            continue
        key = names.get(header.casefold())
        if key is None:
            raise ImportFileError(_l("Unknown column “%(name)s”.", name=header))
        if key in keys:
            raise ImportFileError(_l("The column “%(name)s” appears twice.", name=header))
        keys.append(key)
    if "credit_code" not in keys:
        raise ImportFileError(
            _l("The file needs a credit-code column (统一社会信用代码 / Credit code).")
        )
    limit = current_app.config["IMPORT_MAX_ROWS"]
    if len(rows) - 1 > limit:
        raise ImportFileError(_l("At most %(n)d rows can be imported at once.", n=limit))
    records = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {}
        for key, value in zip(keys, row, strict=False):
            if key and value:
                cells[key] = value
        records.append({"line": line, "cells": cells})
    return records


def _choice_lookup(field: str) -> dict[str, str]:
    lookup = {}
    for code in CHOICES[field]:
        lookup[code.casefold()] = code
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                label = str(CHOICES[field][code]).casefold()
            lookup[label] = code
            if field == "district" and label.endswith("区"):
                lookup[label[:-1]] = code  # 湖里 as well as 湖里区
    return lookup


def _parse_value(field: str, text: str, lookups: dict):
    """Return (value, error message or None) for one non-blank cell."""
    if field == "credit_code":
        code = cc.normalize(text)
        return code, credit_code_message(code)
    if field in CHOICES:
        code = lookups[field].get(text.strip().casefold())
        if code is None or (field == "status" and code == STATUS_APPLICANT):
            return None, _l(
                "“%(value)s” is not a known value for %(field)s.",
                value=text,
                field=FIELD_LABELS[field],
            )
        return code, None
    if field == "is_founding":
        low = text.strip().casefold()
        if low in YES:
            return True, None
        if low in NO:
            return False, None
        return None, _l("Founding member must be yes or no, not “%(value)s”.", value=text)
    if field == "founded_year":
        if not re.fullmatch(r"\d{4}", text) or not 1800 <= int(text) <= today_local().year:
            return None, _l("“%(value)s” is not a founding year.", value=text)
        return int(text), None
    if field in ("joined_on", "valid_until"):
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None, _l("“%(value)s” is not a date (YYYY-MM-DD).", value=text)
    if field in MAX_LENGTHS and len(text) > MAX_LENGTHS[field]:
        return None, _l(
            "%(field)s is longer than %(n)d characters.",
            field=FIELD_LABELS[field],
            n=MAX_LENGTHS[field],
        )
    if field == "email":
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None, _l("“%(value)s” is not an email address.", value=text)
    if field == "website":
        return _website(text)
    return text, None


def _website(text: str):
    """Check a website cell with the rule every form uses; return (value, error or None)."""
    cell = SimpleNamespace(data=text)
    try:
        HttpUrl()(None, cell)
    except ValidationError as error:
        return None, str(error)
    return cell.data, None


def plan(records: list[dict]) -> tuple[list[dict], bool]:
    """Decide per row: create, update, unchanged or refuse (with reasons); return (rows, valid)."""
    lookups = {field: _choice_lookup(field) for field in CHOICES}
    codes = [cc.normalize(r["cells"].get("credit_code", "")) for r in records]
    existing = {
        u.credit_code: u
        for u in db.session.scalars(
            select(MemberUnit).where(MemberUnit.credit_code.in_([c for c in codes if c]))
        )
    }
    names = {normalize_name(r["cells"]["name_zh"]) for r in records if r["cells"].get("name_zh")}
    name_owner = dict(
        db.session.execute(
            select(MemberUnit.name_normalized, MemberUnit.credit_code).where(
                MemberUnit.name_normalized.in_(names)
            )
        ).all()
    )
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    rows = []
    for record in records:
        errors, values = [], {}
        for field, text in record["cells"].items():
            value, error = _parse_value(field, text, lookups)
            if error:
                errors.append(str(error))
            else:
                values[field] = value
        code = values.get("credit_code")
        if "credit_code" not in record["cells"]:
            errors.append(str(_l("The credit code is missing.")))
        unit = existing.get(code) if code else None
        if code:
            if code in seen_codes:
                errors.append(
                    str(_l("The same credit code is already on line %(n)d.", n=seen_codes[code]))
                )
            seen_codes.setdefault(code, record["line"])
        if "name_zh" in values:
            key = normalize_name(values["name_zh"])
            owner = name_owner.get(key)
            if owner is not None and owner != code:
                errors.append(str(_l("Another unit already has this Chinese name.")))
            if key in seen_names:
                errors.append(
                    str(_l("The same Chinese name is already on line %(n)d.", n=seen_names[key]))
                )
            seen_names.setdefault(key, record["line"])
        if unit is None and "name_zh" not in values and not errors:
            errors.append(str(_l("A new unit needs its Chinese name.")))
        changes = {}
        if unit is not None:
            for field, value in values.items():
                old = getattr(unit, field)
                if field != "credit_code" and value != old:
                    changes[field] = {"old": _jsonable(old), "new": _jsonable(value)}
        if errors:
            action = "refuse"
        elif unit is None:
            action = "create"
        else:
            action = "update" if changes else "unchanged"
        rows.append(
            {
                "line": record["line"],
                "cells": record["cells"],
                "credit_code": code or record["cells"].get("credit_code", ""),
                "name": values.get("name_zh") or (unit.name_zh if unit else ""),
                "action": action,
                "changes": changes,
                "errors": errors,
            }
        )
    valid = bool(rows) and all(r["action"] != "refuse" for r in rows)
    return rows, valid


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def make_preview(filename: str, content: bytes, actor) -> ImportPreview:
    """Parse a file and keep its plan server-side under a random token."""
    records = rows_to_records(read_table(filename, content))
    rows, valid = plan(records)
    preview = ImportPreview(
        token=secrets.token_urlsafe(24),
        created_by_id=actor.id,
        filename=filename[:255],
        rows=rows,
        is_valid=valid,
    )
    db.session.add(preview)
    return preview


def apply_preview(preview: ImportPreview, actor) -> dict[str, int]:
    """Write a confirmed preview: re-plan against the current data, refuse if anything changed."""
    if preview.applied_at is not None:
        raise MembershipError(_l("This import has already been carried out."))
    records = [{"line": r["line"], "cells": r["cells"]} for r in preview.rows]
    rows, valid = plan(records)
    if not valid:
        raise MembershipError(
            _l(
                "The data changed since the preview and the file is no longer valid; upload it again."
            )
        )
    lookups = {field: _choice_lookup(field) for field in CHOICES}
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for row in rows:
        counts[row["action"]] += 1
        values = {
            field: _parse_value(field, text, lookups)[0] for field, text in row["cells"].items()
        }
        if row["action"] == "create":
            _create_unit(values, actor)
        elif row["action"] == "update":
            unit = db.session.scalar(
                select(MemberUnit).where(MemberUnit.credit_code == values["credit_code"])
            )
            for field in row["changes"]:
                old = getattr(unit, field)
                if field == "name_zh":
                    unit.set_name(values[field])
                else:
                    setattr(unit, field, values[field])
                record_history(
                    unit, field, _jsonable(old), _jsonable(values[field]), actor, "import"
                )
    preview.applied_at = now_utc()
    audit.record(
        "membership.import",
        preview,
        new={"file": preview.filename, **counts},
        actor=actor,
    )
    return counts


def _create_unit(values: dict, actor) -> MemberUnit:
    unit = MemberUnit(slug=make_slug(values.get("name_en")), status=STATUS_ACTIVE)
    for field, value in values.items():
        if field == "name_zh":
            unit.set_name(value)
        else:
            setattr(unit, field, value)
    db.session.add(unit)
    db.session.flush()
    record_history(unit, "created", None, unit.name_zh, actor, "import")
    return unit
