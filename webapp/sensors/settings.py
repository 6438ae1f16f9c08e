"""The sensors area's settings: where the broker is and when a sensor counts as silent.

Read once from the environment and checked at start-up (a bad value stops the app or
the bridge with the variable's name), then passed to the bridge and the pages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from webapp.config import ConfigError

DEFAULT_URL = "mqtt://127.0.0.1:1883/reloop/sensors"


@dataclass(frozen=True)
class SensorSettings:
    """``RELOOP_MQTT_URL`` split up, the bridge's client id and the silence threshold."""

    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = "reloop/sensors"
    username: str | None = None
    password: str | None = None
    tls: bool = False
    # Fixed, so the broker keeps the bridge's session (subscription and unacknowledged
    # QoS 1 messages) while it is away; two bridges with one id would take turns.
    client_id: str = "reloop-sensors-bridge"
    # How long the broker keeps that session after the bridge disconnects.
    session_expiry_s: int = 7 * 24 * 3600
    silent_hours: int = 6

    @property
    def topics(self) -> str:
        """The subscription: everything under the prefix, so a sensor publishing to a
        wrong topic is counted and logged rather than unheard."""
        return f"{self.prefix}/#"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SensorSettings:
        """Read ``RELOOP_MQTT_URL``, ``RELOOP_MQTT_CLIENT_ID``, ``RELOOP_MQTT_SESSION_EXPIRY_S``
        and ``RELOOP_SENSOR_SILENT_HOURS``."""
        env = os.environ if env is None else env
        settings = parse_url(env.get("RELOOP_MQTT_URL") or DEFAULT_URL)
        client_id = env.get("RELOOP_MQTT_CLIENT_ID") or cls.client_id
        if not 1 <= len(client_id) <= 64 or not client_id.isprintable():
            raise ConfigError("RELOOP_MQTT_CLIENT_ID must be 1-64 printable characters")
        return cls(
            **settings,
            client_id=client_id,
            session_expiry_s=_int(env, "RELOOP_MQTT_SESSION_EXPIRY_S", cls.session_expiry_s, 60, 2**32 - 1),
            silent_hours=_int(env, "RELOOP_SENSOR_SILENT_HOURS", cls.silent_hours, 1, 24 * 90),
        )


def parse_url(url: str) -> dict[str, object]:
    """``mqtt://user:pass@host:1883/topic/prefix`` (``mqtts://`` for TLS) as settings fields."""
    name = "RELOOP_MQTT_URL"
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"{name} must look like mqtt://host:1883/topic-prefix, got {url!r}")
    try:
        port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    except ValueError:
        raise ConfigError(f"{name} has a bad port: {url!r}") from None
    prefix = parts.path.strip("/")
    if not prefix or any(c in prefix for c in "+#") or "//" in prefix:
        raise ConfigError(
            f"{name} needs a topic prefix without wildcards, e.g. mqtt://host:1883/reloop/sensors"
        )
    return dict(
        host=parts.hostname,
        port=port,
        prefix=prefix,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme == "mqtts",
    )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value
