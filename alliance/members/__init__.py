"""Member units: the public directory, profiles, logos, statistics and the taxonomy."""


def init_app(app) -> None:
    """Register the directory and the taxonomy screens."""
    from alliance.members.admin import bp as admin_bp
    from alliance.members.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
