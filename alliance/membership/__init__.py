"""Joining and keeping membership: applications, self-service profiles, colleagues, secretariat unit tools."""


def init_app(app) -> None:
    """Register the applicant, self-service and secretariat screens."""
    from alliance.membership.admin import bp as admin_bp
    from alliance.membership.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
