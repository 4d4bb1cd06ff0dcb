"""Settings from environment variables (ELEARN_*) with safe defaults."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A checkout keeps migrations/ and courses/ beside the package. An installed wheel has no checkout:
# setup.py copies both into the package as elearn/bundled/, and the instance folder is then
# ./instance of the working directory (never inside site-packages).
BUNDLED = Path(__file__).resolve().parent / "bundled"
INSTALLED = BUNDLED.is_dir()
DATA_ROOT = BUNDLED if INSTALLED else PROJECT_ROOT


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def instance_path() -> Path:
    default = (Path.cwd() if INSTALLED else PROJECT_ROOT) / "instance"
    return Path(os.environ.get("ELEARN_INSTANCE_PATH") or default).resolve()


def load_or_create_secret_key(folder: Path) -> str:
    """Use ELEARN_SECRET_KEY, else a key generated once into the instance folder.

    A generated key survives restarts, so sessions and CSRF tokens stay valid.
    """
    from_env = os.environ.get("ELEARN_SECRET_KEY")
    if from_env:
        return from_env
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the key and the database: the owner's only
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(overrides: dict) -> dict:
    """Settings from ELEARN_* variables; a key given in `overrides` is not looked up (nor generated)."""
    folder = Path(overrides.get("INSTANCE_PATH") or instance_path())
    secret = overrides.get("SECRET_KEY") or load_or_create_secret_key(folder)
    return {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("ELEARN_DATABASE_URL")
        or f"sqlite:///{folder / 'elearn.sqlite'}",
        "COURSES_PATH": os.environ.get("ELEARN_COURSES_PATH") or str(DATA_ROOT / "courses"),
        "REDIS_URL": os.environ.get("ELEARN_REDIS_URL"),
        "SESSION_COOKIE_SECURE": _env_bool("ELEARN_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_SECURE": _env_bool("ELEARN_SECURE_COOKIES", False),
        # Host names this site answers to (with ELEARN_PUBLIC_URL's): a forged Host header gets 400.
        "ALLOWED_HOSTS": _env_list("ELEARN_ALLOWED_HOSTS"),
        # Proxies whose X-Forwarded-For/-Proto/-Host are believed (IPs or CIDRs); none by default.
        "TRUSTED_PROXIES": _env_list("ELEARN_TRUSTED_PROXIES"),
        "PUBLIC_URL": os.environ.get("ELEARN_PUBLIC_URL"),
        # argon2 hashes running at once in one process (elearn.auth.hashing): half the cores by default.
        "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("ELEARN_PASSWORD_HASH_CONCURRENCY")
                                         or max(1, _cores() // 2)),
    }


def _cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=60),
    "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
    # A resident may read a long quiz slowly on a shared phone: the token must outlive it.
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ("vi", "en"),
    # Bumped whenever the notice's content changes: residents who agreed to an older one are asked again.
    "PRIVACY_NOTICE_VERSION": "2026-12",
    # How long personal data is kept (`elearn privacy purge`, daily; README "Retention" gives the reasons).
    "RETENTION_DAYS": {
        "audit": 730,  # audit entries (the units' history aside): two report years, for complaints and breaches
        "codes": 30,  # one-time codes, counted from their expiry
        "withdrawn": 90,  # an account whose consent was withdrawn and not given again: then erased
        "pending": 180,  # an account opened for someone who never signed in nor learned: then erased
    },
    # Failed sign-ins and one-time codes slow down (elearn.auth.throttle.SLOWDOWNS); they never lock out.
    # "This phone already has an account" is said only so often (per address, and per phone).
    "PHONE_TAKEN_LIMITS": {"address": ("5 per minute", "30 per hour"), "phone": ("10 per hour",)},
    # Staff sessions end after this long without a request (residents stay signed in).
    "STAFF_IDLE_MINUTES": 60,
    "RATELIMIT_HEADERS_ENABLED": False,
    # Phones on weak mobile data: gzip is understood everywhere and cheap for the server.
    "COMPRESS_ALGORITHM": ["gzip"],
    "COMPRESS_LEVEL": 6,
    # A resident's lesson page from memory before Flask's request cycle (elearn/learn/fast_path.py).
    "LESSON_FAST_PATH": True,
    "COMPRESS_MIN_SIZE": 500,
    # Python 3.11 names .js files text/javascript (the service worker is application/javascript).
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/json", "image/svg+xml", "text/csv",
                           "application/javascript", "text/javascript", "application/manifest+json"],
    "SEND_FILE_MAX_AGE_DEFAULT": 7 * 24 * 3600,
}
