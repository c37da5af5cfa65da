"""The error every resource service raises when one of its rules refuses an action."""

from alliance.database import ServiceError


class ResourceError(ServiceError):
    """A rule of the resource life refused the action; `message` says why."""

    # The resource views answer a refusal with the page and its form again, as a bad request.
    status = 400
