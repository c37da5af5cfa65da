"""Reader's labels for stored codes: history fields and sources, roles, actions, choices."""

from flask_babel import lazy_gettext as _l

from alliance.members.models import (
    DISTRICTS,
    ORG_TYPES,
    STAFF_SIZES,
    STATUSES,
    TIERS,
    UNIT_ROLES,
    VISIBILITIES,
)
from alliance.membership.services.discipline import STATUS_ACTIONS

# History source labels ("people" is the stored code of changes to the unit's colleagues).
SOURCE_LABELS = {
    "profile": _l("Profile edit"),
    "change_request": _l("Approved change request"),
    "secretariat": _l("Secretariat"),
    "import": _l("Import"),
    "people": _l("Colleagues"),
    "application": _l("Application"),
}

FIELD_LABELS = {
    "name_zh": _l("Chinese name"),
    "name_en": _l("English name"),
    "credit_code": _l("Unified social credit code"),
    "org_type": _l("Type of organisation"),
    "short_name": _l("Short name"),
    "district": _l("District"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address_visibility": _l("Who sees the address"),
    "phone_visibility": _l("Who sees the phone"),
    "email_visibility": _l("Who sees the email"),
    "website": _l("Website"),
    "intro_zh": _l("Introduction (Chinese)"),
    "intro_en": _l("Introduction (English)"),
    "founded_year": _l("Founded in (year)"),
    "staff_size": _l("Staff size"),
    "service_lines": _l("Service lines"),
    "certifications": _l("Certifications"),
    "status": _l("Status"),
    "tier": _l("Tier"),
    "is_founding": _l("Founding member"),
    "joined_on": _l("Joined on"),
    "valid_until": _l("Valid until"),
    "representative": _l("Representative"),
    "people": _l("Colleagues"),
    "role": _l("Role"),
    "created": _l("Created"),
    "warning": _l("Warning"),
}

# Fields whose stored value is a code with a label.
CODED_FIELDS = {
    "org_type": ORG_TYPES,
    "tier": TIERS,
    "status": STATUSES,
    "district": DISTRICTS,
    "staff_size": STAFF_SIZES,
    "address_visibility": VISIBILITIES,
    "phone_visibility": VISIBILITIES,
    "email_visibility": VISIBILITIES,
}

LABELS = {
    **CODED_FIELDS,
    "field": FIELD_LABELS,
    "source": SOURCE_LABELS,
    "role": UNIT_ROLES,
    "action": {k: v[2] for k, v in STATUS_ACTIONS.items()},
}
