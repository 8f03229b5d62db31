"""Settings for Newsroom. One module: whatever differs per deployment comes from the environment.

Development needs no variables at all (SQLite, local-memory cache, console email). Production sets
at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from js_asset import static_lazy

from newsroom import env
from newsroom.env import env_bool, env_list
from newsroom.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)

# The development key is public by definition; production must bring its own.
DEVELOPMENT_SECRET_KEY = "django-insecure-newsroom-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment when DEBUG is off "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
# Without DEBUG an empty list refuses every request with 400 Bad Request: a site that starts,
# passes a process check and serves nobody. Better to say so before the first request.
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set in the environment when DEBUG is off: the host names the "
        "site answers to, comma-separated (e.g. ALLOWED_HOSTS=news.example.org). Without them "
        "every request is refused with 400 Bad Request."
    )
# Names that only ever reach this machine. DEBUG shows tracebacks with settings and local
# variables to whoever triggers an error, so it is refused for any other host name.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}
if DEBUG and any(
    host not in LOCAL_HOSTS and not host.endswith((".localhost", ".test")) for host in ALLOWED_HOSTS
):
    raise ImproperlyConfigured(
        "DEBUG is on while ALLOWED_HOSTS names a public host "
        f"({', '.join(h for h in ALLOWED_HOSTS if h not in LOCAL_HOSTS)}): debug pages show "
        "settings and tracebacks to anyone. Set DEBUG=0 in production."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django (the admin with the newsroom's own site: accounts/sites.py)
    "accounts.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # Third party
    "taggit",
    "django_prose_editor",
    "simple_history",
    # Security: CSP header, login throttling, two-factor devices (TOTP and recovery codes).
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Background tasks (emails, picture renditions), kept in a table of the site's database.
    "django_tasks",
    "django_tasks_db",
    # Ours: the site (settings, URLs, operations), then who may come in, the public site, and
    # the domain they all build on (imports run that way: see docs/architecture.md).
    "newsroom",
    "accounts",
    "public",
    "articles",
    "interviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # While developing with no SITE_URL, absolute links follow the address the site is reached at.
    "articles.site_address.SiteAddressMiddleware",
    # Content-Security-Policy on every response, static files included (CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # With read replicas: the desk and signed-in staff read from the primary (newsroom/routers.py).
    "newsroom.routers.PrimaryForStaffMiddleware",
    # A plain 503 page, not a traceback, while the database is unreachable.
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cached public pages for readers without a session, before the rest (articles/caching.py).
    "public.middleware.CachedPageMiddleware",
    # Writes to the story tables that do not come through the door are refused
    # (articles/changes.py).
    "articles.changes.WriteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    # Records who made each revision of a story (articles/revisions.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The idle sign-out, the second factor, the "view on site" guard, the editor's CSP nonce and
    # the known-browser cookie are the admin site's own (accounts/sites.py): readers' requests
    # never pay for them.
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The site's templates and its admin overrides: named first, so they win over the
        # admin's own (APP_DIRS finds apps' templates in INSTALLED_APPS order, admin first).
        "DIRS": [BASE_DIR / "newsroom" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "newsroom.context_processors.sections",
            ],
        },
    },
]

# Database: SQLite beside the code unless DATABASE_URL names another, e.g.
# postgres://postgres@127.0.0.1:5432/newsroom. With DEBUG off, connections are kept between
# requests (CONN_MAX_AGE, 60 seconds unless set).
DATABASES = {"default": env.database(BASE_DIR, debug=DEBUG)}
# Read replicas of it (PostgreSQL streaming replicas, deploy/replica.sh): DATABASE_REPLICA_URLS,
# comma-separated URLs. Readers' pages read from them; the desk, signed-in staff and every write
# use the primary (newsroom/routers.py).
DATABASES.update(env.replica_databases(DATABASES["default"]))
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"] if DATABASE_REPLICAS else []

# Background tasks: what need not hold up a request (emails, picture renditions) waits in a table
# of the site's database, so the embedded default needs no other server, and `python manage.py
# db_worker` runs it (deploy/systemd/newsroom-worker.service). A failed email is retried there.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Cache: public pages are cached here under a site version, and a story's change forgets that
# version (articles/caching.py). Every gunicorn worker and every app server must therefore share
# one cache, or the others keep serving a withdrawn story. CACHE_URL chooses it:
#   redis://127.0.0.1:6379/1   Redis (rediss:// and unix:// too): the one for a busy site
#   db://                      Django's database cache, a table in DATABASE_URL's database
#                              (made by migrate); the default with DEBUG off
#   locmem://                  each process's own memory; the default while debugging, since
#                              runserver is one process, and refused with DEBUG off
#   dummy://                   no cache: every page is rendered for every request
CACHE_URL = os.environ.get("CACHE_URL") or ("locmem://" if DEBUG else "db://")
# The table migration articles/0008_page_cache_table makes, so that nobody has to remember
# createcachetable.
CACHE_TABLE = "newsroom_cache"
CACHES = env.caches(CACHE_URL, debug=DEBUG, cache_table=CACHE_TABLE)

# How long a rendered public page stays in the cache; 0 renders every request. Any change to a
# story invalidates the cached pages at once (articles/caching.py), so this only bounds memory.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))
# The benchmark's only: count renders of cacheable pages in the cache (bench/stampede.py).
PUBLIC_PAGE_COUNT_RENDERS = os.environ.get("PUBLIC_PAGE_COUNT_RENDERS") == "1"

# How long the edge cache in front of the app servers (nginx's proxy cache, deploy/nginx/) may
# serve a public page to readers without a session: an edit or a withdrawal reaches them within
# this many seconds. 0 lets it keep nothing.
EDGE_CACHE_SECONDS = int(os.environ.get("EDGE_CACHE_SECONDS", "1"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "Raqqa" and "raqqa" are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Argon2id first: new and changed passwords are stored with it, and older hashes are upgraded at
# the next login. The others stay only so that such hashes can still be checked once.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username+address before the password is even checked.
    "accounts.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair waits AXES_COOLOFF_TIME. Locking the pair, not the address, keeps a
# whole office behind one NAT working while someone guesses a colleague's password.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A spray from many addresses never reaches the pair limit, so the account has a limit of its
# own: AXES_ACCOUNT_FAILURE_LIMIT wrong passwords from anywhere within AXES_COOLOFF_TIME pause it
# (newsroom/security.py), except in browsers that signed in to it within KNOWN_BROWSER_DAYS: a
# spray costs an attacker this many guesses per cool-off, and cannot keep the owner out.
AXES_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("AXES_ACCOUNT_FAILURE_LIMIT", "20"))
if AXES_ACCOUNT_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "AXES_ACCOUNT_FAILURE_LIMIT counts the failures of every address together, so it cannot "
        "be lower than AXES_FAILURE_LIMIT, the limit for one address."
    )
# KNOWN_BROWSER_DAYS=0 holds every browser to the account limit alike.
KNOWN_BROWSER_DAYS = int(os.environ.get("KNOWN_BROWSER_DAYS", "30"))
AXES_HANDLER = "accounts.security.LoginThrottleHandler"
# "Nadia", " nadia" and "NADIA" are counted as one account.
AXES_USERNAME_CALLABLE = "accounts.security.throttled_username"
# Attempts refused during a pause are not counted, so a pause ends AXES_COOLOFF_TIME after the
# last password actually checked, however long someone keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
# Behind a proxy every request comes from the proxy's address; the real one is then read from
# X-Forwarded-For, trusting only the last TRUSTED_PROXY_COUNT hops (newsroom/security.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "code"]
# No table of every successful sign-in with its address: for reporters in the field that would
# be a record of where they were. Failed attempts are still kept for the lockout.
AXES_DISABLE_ACCESS_LOG = True
# Lockouts are still logged; the start-up banner on every management command is not.
AXES_VERBOSE = False

# Two-factor (django-otp, newsroom/two_factor.py): required in the admin for editors and for
# anyone who has set up a device; TWO_FACTOR_FOR_ALL_STAFF=1 requires it of every staff member.
TWO_FACTOR_FOR_ALL_STAFF = env_bool("TWO_FACTOR_FOR_ALL_STAFF", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", os.environ.get("SITE_NAME", "Newsroom"))
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Staff sessions: signed out after STAFF_IDLE_MINUTES without a request to the admin, and after
# SESSION_COOKIE_AGE in any case. The cookie dies with the browser.
STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signing in happens in the admin, and leads back there.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Media: the file system under MEDIA_ROOT (shared by every app server), or with MEDIA_STORAGE=s3 an
# S3-compatible bucket through django-storages, configured by its AWS_* variables.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
MEDIA_STORAGE_BACKEND = env.media_storage(MEDIA_STORAGE)
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        # Hashed, compressed names in production; plain files while developing and testing, so
        # that nobody has to run collectstatic before the first page loads.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("PLAIN_STATIC", False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Development and tests serve static files from the app folders; production from STATIC_ROOT.
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
# SMTP, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend. TLS is STARTTLS on the
# submission port, SSL is TLS from the first byte; the port follows the choice unless given.
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    # Django objects only when a message is sent, and notifications log that and carry on: the
    # desk would get no mail at all, with nothing at startup to say why.
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; set only one: EMAIL_USE_TLS=1 for "
        "STARTTLS (usually port 587) or EMAIL_USE_SSL=1 for implicit TLS (usually port 465)."
    )
EMAIL_PORT = int(
    os.environ.get("EMAIL_PORT") or (465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
)
# Notifications go out while the request that moved the story is still open: a mail server that
# stops answering costs this many seconds, never a hung worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or 10)

# Production safety. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=1.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# The story body editor's own extensions (articles/body_media.py): pictures from the library
# and embeds, as one module the editor loads from this site (script-src 'self').
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("admin-extra/editor-media.js")],
        "extensions": {
            "LibraryImage": "articles.body_media.editor_allowlist",
            "Embed": "articles.body_media.editor_allowlist",
        },
    }
]

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only;
# nothing inline that runs, no plugins, no framing, forms post only here. Media may live on
# object storage or a CDN (an absolute MEDIA_URL, AWS_S3_CUSTOM_DOMAIN, or origins listed in
# CSP_MEDIA_ORIGINS), which is then allowed for images alone.
CSP_MEDIA_ORIGINS = env_list("CSP_MEDIA_ORIGINS")
if MEDIA_URL.startswith(("https://", "http://")):
    CSP_MEDIA_ORIGINS.append("/".join(MEDIA_URL.split("/", 3)[:3]))
if MEDIA_STORAGE == "s3" and os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
    CSP_MEDIA_ORIGINS.append("https://" + os.environ["AWS_S3_CUSTOM_DOMAIN"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE appears in the header only on responses that used it: the admin's story form,
        # whose editor needs an inline import map (newsroom/security.py). Never on public pages.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *CSP_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploads: a file is refused above this many bytes, pixels (every frame counted) or frames. Pixels
# matter more than bytes: a 12 KB PNG can claim 100 megapixels and exhaust memory when decoded.
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
# Frames of an animation (GIF, WebP, APNG). Decoding costs time per frame as well as per pixel: a
# 1.4 MB GIF of 60,000 one-pixel frames is within the pixel cap and took 30 seconds.
IMAGE_MAX_FRAMES = int(os.environ.get("IMAGE_MAX_FRAMES", "300"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Languages a story's original text may be written in. Names and direction come from Django.
ORIGINAL_LANGUAGES = env_list("ORIGINAL_LANGUAGES", "ar,ckb,fa,tr,he,ur,fr,ru,es,de")

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# With DEBUG on and no SITE_URL, absolute links (emails, feeds, canonical links) use the address
# each request came in on: runserver on another port, a forwarded one (articles/site_address.py).
# With DEBUG off, SITE_URL is always the one used.
SITE_URL_FROM_REQUEST = DEBUG and not os.environ.get("SITE_URL")

# Logs: plain lines on stderr, or with LOG_FORMAT=json (production app servers) one JSON object per
# line on stdout for systemd's journal or a log collector (newsroom/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = logging_config(LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))
