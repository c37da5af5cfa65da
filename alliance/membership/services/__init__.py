"""Membership workflows (callers commit); each module is one seam, re-exported here.

common           the error, slugs, duplicate checks, history rows, the unit's admins
applications     submit, review, council approval, public notice, admit, reject
profile          direct profile fields, service lines, certifications
change_requests  key-field changes the secretariat decides
invitations      invite a colleague, accept or withdraw an invitation
colleagues       roles, removal, the representative
verification     the applicant's address, verified by a mailed link before the form opens
discipline       warning, suspension, removal, withdrawal, tier
labels           the reader's labels for stored codes
"""

from alliance.membership.services.applications import (
    advance_application,
    latest_application_of,
    open_application_of,
    public_notice,
    reject_application,
    submit_application,
)
from alliance.membership.services.change_requests import (
    KEY_FIELDS,
    approve_change_request,
    open_change_request,
    reject_change_request,
)
from alliance.membership.services.colleagues import (
    remove_colleague,
    set_representative,
    set_role,
)
from alliance.membership.services.common import (
    MembershipError,
    add_years,
    duplicate_problems,
    make_slug,
    record_history,
    unit_admins,
)
from alliance.membership.services.discipline import STATUS_ACTIONS, change_status, set_tier
from alliance.membership.services.invitations import (
    accept_invitation,
    hash_token,
    invitation_for_token,
    invite,
    revoke_invitation,
)
from alliance.membership.services.labels import (
    CODED_FIELDS,
    FIELD_LABELS,
    LABELS,
    SOURCE_LABELS,
)
from alliance.membership.services.profile import DIRECT_FIELDS, update_profile
from alliance.membership.services.verification import (
    request_application_link,
    submit_verified_application,
    verification_for_token,
)

__all__ = [
    "CODED_FIELDS",
    "DIRECT_FIELDS",
    "FIELD_LABELS",
    "KEY_FIELDS",
    "LABELS",
    "SOURCE_LABELS",
    "STATUS_ACTIONS",
    "MembershipError",
    "accept_invitation",
    "add_years",
    "advance_application",
    "approve_change_request",
    "change_status",
    "duplicate_problems",
    "hash_token",
    "invitation_for_token",
    "invite",
    "latest_application_of",
    "make_slug",
    "open_application_of",
    "open_change_request",
    "public_notice",
    "record_history",
    "reject_application",
    "reject_change_request",
    "request_application_link",
    "remove_colleague",
    "revoke_invitation",
    "set_representative",
    "set_role",
    "set_tier",
    "submit_application",
    "submit_verified_application",
    "unit_admins",
    "update_profile",
    "verification_for_token",
]
