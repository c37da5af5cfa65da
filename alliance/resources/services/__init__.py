"""Business rules of resources: who sees what, the resource life, moderation, inquiries.

Functions take objects and data, never the request, and never commit: the caller commits once.
"""

from alliance.resources.services.errors import ResourceError
from alliance.resources.services.inquiries import (
    all_inquiries,
    ask,
    close_inquiry,
    inquiries_of,
    may_ask,
    reply,
)
from alliance.resources.services.lifecycle import (
    EDITABLE_FIELDS,
    add_image,
    close_resource,
    create_resource,
    expire_resources,
    extend_resource,
    publish_resource,
    remove_image,
    update_resource,
)
from alliance.resources.services.moderation import (
    DEFAULT_CATEGORIES,
    categories,
    ensure_default_categories,
    hide_resource,
    save_category,
    set_featured,
    unhide_resource,
    unit_people,
)
from alliance.resources.services.visibility import (
    browse_page,
    browse_query,
    contact_of,
    default_contact,
    feed_resources,
    live_condition,
    may_view,
    sees_members_only,
    unit_resources,
    visible_resources,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "EDITABLE_FIELDS",
    "ResourceError",
    "add_image",
    "all_inquiries",
    "ask",
    "browse_page",
    "browse_query",
    "categories",
    "close_inquiry",
    "close_resource",
    "contact_of",
    "create_resource",
    "default_contact",
    "ensure_default_categories",
    "expire_resources",
    "extend_resource",
    "feed_resources",
    "hide_resource",
    "inquiries_of",
    "live_condition",
    "may_ask",
    "may_view",
    "publish_resource",
    "remove_image",
    "reply",
    "save_category",
    "sees_members_only",
    "set_featured",
    "unhide_resource",
    "unit_people",
    "unit_resources",
    "update_resource",
    "visible_resources",
]
