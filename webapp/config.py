"""Settings: defaults in code, overridden by the environment, validated at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
#: Default lifetime in days of a new bearer token, by token kind.
TOKEN_DAYS = {
    "device": 90,
    "sensor": 365,
    "partner": 365,
    "auditor": 365,
    "kiosk": 365,
    "cascade_customer": 365,
}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment.

    ``from_env`` is the only place that looks at ``os.environ``; the rest of the
    code receives these values as arguments.
    """

    instance_path: Path = DEFAULT_INSTANCE
    database_url: str = ""
    secret_key: str = ""
    huey_url: str | None = None
    cache_dir: Path | None = None
    default_locale: str = "zh"
    fill_threshold_pct: int = 80
    page_size: int = 25
    max_upload_bytes: int = 5 * 1024 * 1024
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
    trust_proxy: int = 0
    # Send session cookies over HTTPS only (set it whenever the app is served over TLS).
    secure_cookies: bool = False
    # Failed logins per username and client address, and per address, within the window.
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50
    login_window_s: int = 15 * 60
    # Truck speeds by OSM road class (km/h) overriding geodata.driving's defaults.
    road_speeds_kmh: Mapping[str, float] = field(default_factory=dict)
    # Days a new bearer token of each kind lives (RELOOP_TOKEN_DAYS_<KIND>), and how many
    # phones a driver may hold a live token on (RELOOP_MAX_DEVICE_TOKENS).
    token_days: Mapping[str, int] = field(default_factory=lambda: dict(TOKEN_DAYS))
    max_device_tokens: int = 3
    # How far (per mille of the drivers' kg) a trip's weighbridge net may differ before review.
    weighbridge_tolerance_permille: int = 30
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``RELOOP_*``, ``DATABASE_URL``, ``HUEY_URL`` / ``REDIS_URL``."""
        env = os.environ if env is None else env
        instance = Path(env.get("RELOOP_INSTANCE_PATH", str(DEFAULT_INSTANCE)))
        settings = cls(
            instance_path=instance,
            database_url=env.get("DATABASE_URL", f"sqlite:///{instance / 'reloop.db'}"),
            secret_key=env.get("RELOOP_SECRET_KEY", ""),
            huey_url=env.get("HUEY_URL") or env.get("REDIS_URL") or None,
            cache_dir=Path(env["RELOOP_CACHE_DIR"]) if env.get("RELOOP_CACHE_DIR") else None,
            default_locale=env.get("RELOOP_DEFAULT_LOCALE", "zh"),
            fill_threshold_pct=_int(env, "RELOOP_FILL_THRESHOLD_PCT", 80, low=1, high=100),
            page_size=_int(env, "RELOOP_PAGE_SIZE", 25, low=5, high=500),
            max_upload_bytes=_int(env, "RELOOP_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, low=1024),
            trust_proxy=_int(env, "RELOOP_TRUST_PROXY", 0, low=0, high=5),
            secure_cookies=bool(_int(env, "RELOOP_SECURE_COOKIES", 0, low=0, high=1)),
            login_max_failures=_int(env, "RELOOP_LOGIN_MAX_FAILURES", 5, low=1),
            login_max_failures_per_ip=_int(env, "RELOOP_LOGIN_MAX_FAILURES_PER_IP", 50, low=1),
            login_window_s=_int(env, "RELOOP_LOGIN_WINDOW_S", 15 * 60, low=1),
            road_speeds_kmh=parse_road_speeds(env.get("RELOOP_ROAD_SPEEDS_KMH", "")),
            token_days={
                kind: _int(env, f"RELOOP_TOKEN_DAYS_{kind.upper()}", days, low=1, high=3650)
                for kind, days in TOKEN_DAYS.items()
            },
            max_device_tokens=_int(env, "RELOOP_MAX_DEVICE_TOKENS", 3, low=1, high=50),
            weighbridge_tolerance_permille=_int(
                env, "RELOOP_WEIGHBRIDGE_TOLERANCE_PERMILLE", 30, low=0, high=500
            ),
        )
        return settings.validated()

    def validated(self) -> Settings:
        """Normalise the database URL and check every value, naming what is wrong."""
        url = normalise_database_url(self.database_url)
        if self.default_locale not in ("zh", "en"):
            raise ConfigError("RELOOP_DEFAULT_LOCALE must be 'zh' or 'en'")
        return replace(self, database_url=url, cache_dir=self.cache_dir or self.instance_path / "cache")

    def with_secret(self, *, generate: bool) -> Settings:
        """Return settings whose secret key is set.

        A production server must be given ``RELOOP_SECRET_KEY``: a key generated per
        machine would differ between hosts, and is a secret nobody chose to keep.
        Debug runs, tests and the ``reloop`` command (``generate=True``) keep a random
        key in the instance folder instead, so sessions survive a restart.
        """
        if self.secret_key:
            return self
        if not generate:
            raise ConfigError(
                "RELOOP_SECRET_KEY is not set: a production server needs a fixed session "
                "key, e.g. RELOOP_SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'). Only debug runs, tests and the reloop "
                "command generate one in the instance folder."
            )
        key_file = self.instance_path / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            # link() fails if the name exists: of two processes starting together the
            # first key wins whole, and both sign sessions with it.
            try:
                os.link(tmp, key_file)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return replace(self, secret_key=key_file.read_text().strip())


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pick the psycopg 3 driver."""
    if not url:
        raise ConfigError("DATABASE_URL is empty")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL: {exc}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL backend {parsed.get_backend_name()!r} is not supported (use sqlite or postgresql)"
        )
    return url


def parse_road_speeds(raw: str) -> dict[str, float]:
    """Parse ``primary=30,residential=12``: road classes of the drive network and km/h.

    Only the classes named are overridden; the others keep the defaults, so a
    dispatcher who knows one road type is slower than assumed changes only that.
    """
    from geodata.driving import DEFAULT_SPEEDS_KMH

    name = "RELOOP_ROAD_SPEEDS_KMH"
    speeds: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        road, sep, value = part.partition("=")
        road = road.strip()
        if not sep or road not in DEFAULT_SPEEDS_KMH:
            known = ", ".join(DEFAULT_SPEEDS_KMH)
            raise ConfigError(f"{name}: {part!r} is not ROAD_CLASS=KMH with a road class among {known}")
        try:
            kmh = float(value)
        except ValueError:
            raise ConfigError(f"{name}: speed for {road} must be a number, got {value.strip()!r}") from None
        if not 1 <= kmh <= 130:
            raise ConfigError(f"{name}: speed for {road} must be between 1 and 130 km/h, got {kmh:g}")
        speeds[road] = kmh
    return speeds


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{name} must be {bound}, got {value}")
    return value
