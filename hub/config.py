"""All configuration, read once from the environment.

Every setting is a ``GONGTIAO_*`` variable. A secret may instead be given as ``GONGTIAO_X_FILE``
pointing at a file that holds it (systemd credentials, Docker secrets). A bad value stops the
program at start with a message naming the variable; nothing else in the code reads ``os.environ``.
"""

from __future__ import annotations

import email.policy
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.headerregistry import Address, AddressHeader
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "GONGTIAO_"
SECRET_NAMES = ("SECRET_KEY", "DATABASE_URL", "TURN_SECRET", "SMTP_PASSWORD", "SMS_TOKEN")
ICE_SCHEMES = ("stun:", "turn:", "turns:")
TRANSCRIBE_ENGINES = ("none", "pocketsphinx", "vosk", "whisper")
# A sender address: one @, a dot in the domain, ASCII only (anything else would need SMTPUTF8 or
# IDNA from every relay on the way).
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"[A-Za-z0-9.:\[\]_-]+")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    database_url: str
    data_dir: Path
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8080
    # Public origin (scheme://host[:port]) when the hub sits behind a proxy; used for links and
    # for deciding whether cookies are Secure.
    public_url: str = ""
    time_zone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    max_body_bytes: int = 1024 * 1024
    # Evidence uploads are streamed past max_body_bytes, up to this size each.
    max_evidence_bytes: int = 50 * 1024 * 1024
    session_hours: int = 12
    login_attempts: int = 5
    login_window_seconds: int = 900
    log_format: str = "json"
    # Behind nginx: take the client address from the last X-Forwarded-For entry (login limiter, logs).
    trust_proxy: bool = False
    # The peers whose X-Forwarded-For is believed (the proxy's own addresses).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    log_level: str = "INFO"
    # Invitations by e-mail (meetings.mail): off while smtp_host is empty. Port 465 means TLS from
    # the first byte; on any other port smtp_starttls requires (true) or forbids (false) STARTTLS.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""  # "Name <address>" or a bare address
    smtp_starttls: bool = True
    smtp_timeout_seconds: int = 30
    # Video mediation (rtc/): ICE servers handed to browsers; TURN credentials are minted from
    # turn_secret as coturn's use-auth-secret expects, valid for turn_ttl_seconds.
    ice_urls: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)
    turn_ttl_seconds: int = 43200
    record_video: bool = False
    invitation_hours: int = 72  # how long a video-room invitation link stays valid
    transcribe_engine: str = "none"
    transcribe_model: Path | None = None  # a directory the engine loads its model from
    rtc_max_participants: int = 5
    # Large rooms (rtc/janus.py, rtc/room/sfu.py): with janus_url set, a room whose members exceed
    # sfu_threshold moves its media to Janus's VideoRoom (docs/scaling.md); up to sfu_max_participants.
    janus_url: str = ""  # ws://127.0.0.1:8188 (Janus's WebSocket API, never exposed to browsers)
    janus_api_secret: str = field(default="", repr=False)
    sfu_threshold: int = 5
    sfu_max_participants: int = 30
    # Outbound messages (hub.outbound): SMS through a generic HTTP gateway, off while sms_url is
    # empty; at most sms_per_number_per_hour messages to one number in any hour (more wait).
    sms_url: str = ""
    sms_token: str = field(default="", repr=False)
    sms_sender: str = ""
    sms_per_number_per_hour: int = 5
    # Every channel (SMS, e-mail, webhooks): tries per message before it is dead, the first wait
    # (doubled per failure, with jitter, at most 3 hours), one request's time limit, and how often
    # an idle worker looks for due messages (it is also woken when a message is queued).
    outbound_max_attempts: int = 10
    outbound_retry_seconds: float = 30.0
    outbound_timeout_seconds: float = 10.0
    outbound_poll_seconds: float = 5.0
    # The secret key was generated at start (development only): sessions end on restart.
    secret_key_is_ephemeral: bool = field(default=False, compare=False)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def site_url(self) -> str:
        """Where links in messages point when no request is there to ask (the outbound worker)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def with_overrides(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, base_dir: Path | None = None) -> Config:
        env = _Env(os.environ if environ is None else environ)
        base = base_dir or Path.cwd()
        data_dir = Path(env.text("DATA_DIR", str(base / "var"))).expanduser().resolve()
        database_url = env.secret("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'gongtiao.db'}"
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
                f"got {database_url.split(':', 1)[0]!r}"
            )
        secret_key = env.secret("SECRET_KEY")
        ephemeral = False
        if not secret_key:
            secret_key = secrets.token_urlsafe(32)
            ephemeral = True
        elif len(secret_key) < 16:
            raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 16 characters long")
        time_zone = env.text("TIME_ZONE", "Asia/Shanghai")
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{PREFIX}TIME_ZONE: unknown time zone {time_zone!r}") from exc
        public_url = env.text("PUBLIC_URL", "").rstrip("/")
        if public_url and not public_url.startswith(("http://", "https://")):
            raise ConfigError(f"{PREFIX}PUBLIC_URL must start with http:// or https://")
        locale = env.choice("DEFAULT_LOCALE", "zh_CN", ("zh_CN", "en"))
        smtp_host = env.text("SMTP_HOST", "")
        if smtp_host and not _HOST.fullmatch(smtp_host):
            raise ConfigError(f"{PREFIX}SMTP_HOST must be a host name or an address, got {smtp_host!r}")
        smtp_user, smtp_password = env.text("SMTP_USER", ""), env.secret("SMTP_PASSWORD")
        if bool(smtp_user) != bool(smtp_password):
            raise ConfigError(f"set both {PREFIX}SMTP_USER and {PREFIX}SMTP_PASSWORD, or neither")
        turn_secret = env.secret("TURN_SECRET")
        ice_urls = _ice_urls(env.text("ICE_URLS", ""), turn_secret)
        transcribe_model = env.text("TRANSCRIBE_MODEL", "")
        sms_url, sms_token = _sms_url(env.text("SMS_URL", "")), env.secret("SMS_TOKEN")
        if sms_url and not sms_token:
            raise ConfigError(
                f"{PREFIX}SMS_TOKEN (or {PREFIX}SMS_TOKEN_FILE) is required with {PREFIX}SMS_URL"
            )
        sms_sender = env.text("SMS_SENDER", "")
        if len(sms_sender) > 20 or _CONTROL.search(sms_sender):
            raise ConfigError(f"{PREFIX}SMS_SENDER must be one line of at most 20 characters")
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            secret_key=secret_key,
            host=env.text("HOST", "127.0.0.1"),
            port=env.integer("PORT", 8080, low=0, high=65535),
            public_url=public_url,
            time_zone=time_zone,
            default_locale=locale,
            max_body_bytes=env.integer("MAX_BODY_BYTES", 1024 * 1024, low=1024, high=1 << 30),
            max_evidence_bytes=env.integer("MAX_EVIDENCE_BYTES", 50 * 1024 * 1024, low=1024, high=1 << 34),
            session_hours=env.integer("SESSION_HOURS", 12, low=1, high=24 * 30),
            login_attempts=env.integer("LOGIN_ATTEMPTS", 5, low=1, high=1000),
            login_window_seconds=env.integer("LOGIN_WINDOW_SECONDS", 900, low=1, high=86400),
            log_format=env.choice("LOG_FORMAT", "json", ("json", "text")),
            trust_proxy=env.boolean("TRUST_PROXY", False),
            trusted_proxies=_addresses(env.text("TRUSTED_PROXIES", "127.0.0.1,::1"), "TRUSTED_PROXIES"),
            log_level=env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            smtp_host=smtp_host,
            smtp_port=env.integer("SMTP_PORT", 587, low=1, high=65535),
            smtp_user=smtp_user,
            smtp_password=smtp_password,
            smtp_from=_sender(env.text("SMTP_FROM", ""), smtp_host),
            smtp_starttls=env.boolean("SMTP_STARTTLS", True),
            smtp_timeout_seconds=env.integer("SMTP_TIMEOUT_SECONDS", 30, low=1, high=600),
            ice_urls=ice_urls,
            turn_secret=turn_secret,
            turn_ttl_seconds=env.integer("TURN_TTL_SECONDS", 43200, low=60, high=7 * 86400),
            record_video=env.boolean("RECORD_VIDEO", False),
            invitation_hours=env.integer("INVITATION_HOURS", 72, low=1, high=720),
            transcribe_engine=env.choice("TRANSCRIBE_ENGINE", "none", TRANSCRIBE_ENGINES),
            transcribe_model=_directory("TRANSCRIBE_MODEL", transcribe_model) if transcribe_model else None,
            rtc_max_participants=env.integer("RTC_MAX_PARTICIPANTS", 5, low=2, high=8),
            janus_url=_janus_url(env.text("JANUS_URL", "")),
            janus_api_secret=env.secret("JANUS_API_SECRET"),
            sfu_threshold=env.integer("SFU_THRESHOLD", 5, low=1, high=8),
            sfu_max_participants=env.integer("SFU_MAX_PARTICIPANTS", 30, low=2, high=100),
            sms_url=sms_url,
            sms_token=sms_token,
            sms_sender=sms_sender,
            sms_per_number_per_hour=env.integer("SMS_PER_NUMBER_PER_HOUR", 5, low=1, high=100),
            outbound_max_attempts=env.integer("OUTBOUND_MAX_ATTEMPTS", 10, low=1, high=50),
            outbound_retry_seconds=env.integer("OUTBOUND_RETRY_SECONDS", 30, low=1, high=3600),
            outbound_timeout_seconds=env.integer("OUTBOUND_TIMEOUT_SECONDS", 10, low=1, high=120),
            outbound_poll_seconds=env.integer("OUTBOUND_POLL_SECONDS", 5, low=1, high=300),
            secret_key_is_ephemeral=ephemeral,
        )


def _sender(value: str, smtp_host: str) -> str:
    """The From of invitation e-mails: required once e-mail is on, one address, one line."""
    if not value:
        if smtp_host:
            raise ConfigError(f"{PREFIX}SMTP_FROM is required when {PREFIX}SMTP_HOST is set")
        return ""
    addresses: list[Address] = []
    try:
        header = email.policy.default.header_factory("From", value)
        clean = not header.defects and not _CONTROL.search(value)
        if clean and isinstance(header, AddressHeader):
            addresses = list(header.addresses)
    except (ValueError, IndexError):  # the header parser's way of refusing some inputs
        pass
    if len(addresses) != 1 or not _ADDRESS.fullmatch(addresses[0].addr_spec):
        raise ConfigError(
            f"{PREFIX}SMTP_FROM must be an address (noreply@example.cn) or Name <address>, got {value!r}"
        )
    return str(addresses[0])


def _ice_urls(raw: str, turn_secret: str) -> tuple[str, ...]:
    urls = tuple(part.strip() for part in raw.split(",") if part.strip())
    for url in urls:
        if not url.startswith(ICE_SCHEMES) or any(c.isspace() for c in url) or url.endswith(":"):
            raise ConfigError(
                f"{PREFIX}ICE_URLS: each entry must start with stun:, turn: or turns:, got {url!r}"
            )
    if not turn_secret and any(url.startswith(("turn:", "turns:")) for url in urls):
        raise ConfigError(
            f"{PREFIX}ICE_URLS lists a TURN server but {PREFIX}TURN_SECRET is not set: TURN "
            "credentials are derived from coturn's shared secret (use-auth-secret)"
        )
    return urls


def _sms_url(raw: str) -> str:
    """The SMS gateway's address: http(s), a host, no credentials in it (the token is separate)."""
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ConfigError(f"{PREFIX}SMS_URL must be an http:// or https:// address without credentials")
    if any(c.isspace() for c in raw) or parts.fragment:
        raise ConfigError(f"{PREFIX}SMS_URL must be one address, without spaces or #fragment")
    return raw


def _janus_url(raw: str) -> str:
    """Janus's WebSocket API: ws(s)://host:port, no credentials (the API secret is separate)."""
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("ws", "wss") or not parts.hostname or "@" in parts.netloc:
        raise ConfigError(f"{PREFIX}JANUS_URL must be a ws:// or wss:// address without credentials")
    if any(c.isspace() for c in raw) or parts.fragment or parts.query:
        raise ConfigError(f"{PREFIX}JANUS_URL must be one address, without spaces, ?query or #fragment")
    return raw


def _directory(name: str, raw: str) -> Path:
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(f"{PREFIX}{name} must be an existing directory, got {raw!r}")
    return path


class _Env:
    """Strict readers for ``GONGTIAO_*`` variables."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str, default: str) -> str:
        value = self._environ.get(PREFIX + name)
        return default if value is None or value == "" else value.strip()

    def secret(self, name: str) -> str:
        direct = self._environ.get(PREFIX + name, "")
        path = self._environ.get(PREFIX + name + "_FILE", "")
        if direct and path:
            raise ConfigError(f"set either {PREFIX}{name} or {PREFIX}{name}_FILE, not both")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{PREFIX}{name}_FILE: cannot read {path}: {exc.strerror}") from exc
        return direct.strip()

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self._environ.get(PREFIX + name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from exc
        if not low <= value <= high:
            raise ConfigError(f"{PREFIX}{name} must be between {low} and {high}, got {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name, "").lower()
        if raw == "":
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{PREFIX}{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in allowed:
            raise ConfigError(f"{PREFIX}{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value


def _addresses(value: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses, each checked."""
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for address in found:
        try:
            ipaddress.ip_address(address)
        except ValueError as error:
            raise ConfigError(f"GONGTIAO_{name}: {address!r} is not an IP address") from error
    return found
