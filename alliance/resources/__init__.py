"""Shared resource listings: members offer and seek training bases, platforms, space, talent…"""


def init_app(app) -> None:
    """Register the resources blueprints (the factory registers `resources.cli`)."""
    from alliance.resources.admin import bp as admin_bp
    from alliance.resources.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
