"""Sending one-time codes by SMS through a pluggable sender.

``ConsoleSender`` (the default, for the demo and tests) writes the message to the log
and keeps it in an outbox; ``HttpGatewaySender`` posts it to an SMS gateway named by
the environment (``RELOOP_SMS_GATEWAY_URL``, with ``RELOOP_SMS_GATEWAY_TOKEN`` as a
bearer token). Nothing here reaches the network unless a gateway URL is configured.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from webapp.models.residents import mask_phone

log = logging.getLogger(__name__)


class SmsError(RuntimeError):
    """The message could not be handed to the gateway."""


class SmsSender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


@dataclass
class ConsoleSender:
    """Logs each message (the demo's "phone") and keeps the last ones for tests."""

    outbox: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, message: str) -> None:
        self.outbox.append((phone, message))
        del self.outbox[:-200]
        # The full number only in the demo's log: this sender is never used in production.
        log.warning("SMS to %s: %s", phone, message)
        print(f"[reloop sms] to {mask_phone(phone)}: {message}", flush=True)  # noqa: T201

    def last_to(self, phone: str) -> str | None:
        """The newest message sent to ``phone``."""
        for to, message in reversed(self.outbox):
            if to == phone:
                return message
        return None


@dataclass(frozen=True)
class HttpGatewaySender:
    """Posts ``{"phone", "message"}`` as JSON to an HTTP SMS gateway."""

    url: str
    token: str = ""
    timeout_s: float = 10.0

    def send(self, phone: str, message: str) -> None:
        body = json.dumps({"phone": phone, "message": message}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310  # nosec B310
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable: {exc}") from None
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered HTTP {status}")


def sender_from_env(environ: Mapping[str, str] | None = None) -> SmsSender:
    """The gateway sender when ``RELOOP_SMS_GATEWAY_URL`` is set, else a console sender."""
    environ = os.environ if environ is None else environ
    url = environ.get("RELOOP_SMS_GATEWAY_URL", "").strip()
    if not url:
        return ConsoleSender()
    if not url.startswith(("https://", "http://")):
        raise ValueError("RELOOP_SMS_GATEWAY_URL must be an http(s) URL")
    return HttpGatewaySender(url=url, token=environ.get("RELOOP_SMS_GATEWAY_TOKEN", ""))
