"""All configuration, read once from the environment.

Every setting is a ``GONGTIAO_*`` variable. A secret may instead be given as ``GONGTIAO_X_FILE``
pointing at a file that holds it (systemd credentials, Docker secrets). A bad value stops the
program at start with a message naming the variable; nothing else in the code reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "GONGTIAO_"
SECRET_NAMES = ("SECRET_KEY", "DATABASE_URL", "TURN_SECRET", "SMTP_PASSWORD")


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
    log_level: str = "INFO"
    # The secret key was generated at start (development only): sessions end on restart.
    secret_key_is_ephemeral: bool = field(default=False, compare=False)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

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
            log_level=env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            secret_key_is_ephemeral=ephemeral,
        )


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
