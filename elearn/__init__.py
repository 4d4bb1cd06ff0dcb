"""Học số: digital skills and information security for rural residents of Việt Nam."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    from elearn import config as settings
    from elearn import access, assets, db, errors, i18n, network, security
    from elearn.extensions import compress, csrf, limiter, login_manager
    from elearn import routing

    app = Flask(__name__, instance_path=str(settings.instance_path()))
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environment(config or {}))
    app.config.from_mapping(config or {})
    Path(app.config["INSTANCE_PATH"]).mkdir(mode=0o700, parents=True, exist_ok=True)  # secret key, SQLite file
    routing.init_app(app)  # bounded ids, no control character in an address

    from elearn.auth import hashing

    hashing.init_app(app)  # argon2id parameters and the bounded pool, per app
    db.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    from elearn import limit_store  # registers its storage scheme with `limits`

    # Counters every worker shares: Redis for several servers, else a file on this machine.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL")
                          or limit_store.uri_for(app.config["INSTANCE_PATH"]))
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    from elearn.learn.fast_path import LessonFastPath

    app.wsgi_app = LessonFastPath(app.wsgi_app, app)  # type: ignore[method-assign] # inside the Host check
    network.init_app(app)  # accepted Host names, believed proxies
    errors.init_app(app)
    assets.init_app(app)

    from elearn.admin.views import bp as admin_bp
    from elearn.alerts.views import bp as alerts_bp
    from elearn.api.views import bp as api_bp
    from elearn.auth.second_factor_views import bp as second_factor_bp
    from elearn.auth.views import bp as auth_bp
    from elearn.author.views import bp as author_bp
    from elearn.learn.views import bp as learn_bp
    from elearn.offline.views import bp as offline_bp
    from elearn.reports.views import bp as reports_bp
    from elearn.share.views import bp as share_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(second_factor_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(author_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(share_bp)
    csrf.exempt(api_bp)  # token-authenticated JSON only: no cookie-authenticated route may live there
    app.jinja_env.globals["may_act_as"] = access.may_act_as

    from elearn.cli import register_commands

    register_commands(app)
    db.commit_after_each_request(app)
    return app
