"""Council terms, elections, secret ballots, tallies and the published council."""


def init_app(app) -> None:
    """Register the elections blueprints (the factory registers `elections.cli`)."""
    from alliance.elections.admin import bp as admin_bp
    from alliance.elections.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
