"""The SMS senders: the gateway adapter against a local HTTP server, the console sender's outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from webapp.residents.sms import ConsoleSender, HttpGatewaySender, SmsError, sender_from_env


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict, str]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((json.loads(body), self.headers.get("Authorization", "")))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    """A local SMS gateway on a free loopback port."""
    _Gateway.received, _Gateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    thread.join(timeout=10)


def test_the_gateway_adapter_posts_json_with_the_bearer_token(gateway: str) -> None:
    """The phone and message arrive as JSON with the configured token."""
    HttpGatewaySender(url=gateway, token="t0ken").send("13812345678", "验证码 123456")
    assert _Gateway.received == [({"phone": "13812345678", "message": "验证码 123456"}, "Bearer t0ken")]


def test_a_gateway_refusal_is_an_sms_error(gateway: str) -> None:
    """A 5xx answer raises SmsError naming the status."""
    _Gateway.status = 503
    with pytest.raises(SmsError, match="503"):
        HttpGatewaySender(url=gateway).send("13812345678", "x")


def test_an_unreachable_gateway_is_an_sms_error() -> None:
    """A closed port raises SmsError, not a socket error."""
    with pytest.raises(SmsError, match="unreachable"):
        HttpGatewaySender(url="http://127.0.0.1:9/sms", timeout_s=2).send("13812345678", "x")


def test_the_environment_chooses_the_sender() -> None:
    """No gateway URL: the console sender; a URL: the gateway; a bad URL: a clear error."""
    assert isinstance(sender_from_env({}), ConsoleSender)
    sender = sender_from_env(
        {"RELOOP_SMS_GATEWAY_URL": "https://sms.example/send", "RELOOP_SMS_GATEWAY_TOKEN": "k"}
    )
    assert sender == HttpGatewaySender(url="https://sms.example/send", token="k")
    with pytest.raises(ValueError, match="RELOOP_SMS_GATEWAY_URL"):
        sender_from_env({"RELOOP_SMS_GATEWAY_URL": "ftp://x"})


def test_the_console_sender_keeps_the_last_message_per_number() -> None:
    """The demo and the browser test read the code from the console sender's outbox."""
    sender = ConsoleSender()
    sender.send("13812345678", "first")
    sender.send("13900000000", "other")
    sender.send("13812345678", "second")
    assert sender.last_to("13812345678") == "second" and sender.last_to("13700000000") is None
