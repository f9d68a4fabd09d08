"""``GET /v1/events``: server-sent card and read events, free of personal data, behind the same gate."""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.localapi.errors import TooManyListeners
from kiosk.localapi.events import EventHub


class SseStream:
    """Reads one event stream on a thread; ``next_event`` returns (name, data) or raises on timeout."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.raw: list[str] = []
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.ended = threading.Event()
        if self.response.status == 200:
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        name, data = "", ""
        try:
            for line in self.response:
                text = line.decode("utf-8").rstrip("\n")
                self.raw.append(text)
                if text.startswith("event: "):
                    name = text[7:]
                elif text.startswith("data: "):
                    data = text[6:]
                elif text == "" and name:
                    self.events.put((name, json.loads(data)))
                    name, data = "", ""
        except (OSError, ValueError):
            pass
        self.ended.set()

    def next_event(self, timeout: float = 5) -> tuple[str, dict[str, Any]]:
        return self.events.get(timeout=timeout)

    def until(self, name: str, timeout: float = 10) -> dict[str, Any]:
        while True:
            got, data = self.next_event(timeout)
            if got == name:
                return data

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def stream(api: Any) -> Iterator[SseStream]:
    opened = SseStream(api.server.port, "/v1/events",
                       {"Origin": api.origin, "Authorization": f"Bearer {api.client.token}"})
    yield opened
    opened.close()


def test_card_and_read_events_carry_no_personal_data(api: Any, stream: SseStream, pii: list[str]) -> None:
    assert stream.response.status == 200
    assert stream.response.getheader("Content-Type", "").startswith("text/event-stream")
    assert stream.response.getheader("Access-Control-Allow-Origin") == api.origin
    api.source.remove()
    assert stream.until("card-removed")["reader"] == api.source.reader
    api.source.insert()
    assert stream.until("card-inserted")["reader"] == api.source.reader
    assert api.client.get("/v1/card?timeout=5").status == 200
    stream.until("read-started")
    finished = stream.until("read-finished")
    assert finished["outcome"] == "ok" and finished["complete"] is True and finished["verdict"] == "authentic"
    assert finished["ms"] > 0
    text = "\n".join(stream.raw)
    for value in pii:
        assert value not in text


def test_a_failed_read_reports_its_reason_only(api: Any, stream: SseStream) -> None:
    api.source.remove()
    assert api.client.get("/v1/card?timeout=0.2").status == 408
    finished = stream.until("read-finished")
    assert finished["outcome"] == "no-card" and finished["complete"] is False


def test_keepalive_comments_flow_while_idle(api: Any, stream: SseStream) -> None:
    # keepalive_s=0.2 in the fixture server
    deadline = threading.Event()
    deadline.wait(0.7)
    assert any(line == ": keepalive" for line in stream.raw)


def test_event_source_may_send_the_token_in_the_query(api: Any) -> None:
    opened = SseStream(api.server.port, f"/v1/events?access_token={api.client.token}", {"Origin": api.origin})
    try:
        assert opened.response.status == 200
    finally:
        opened.close()


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "https://evil.example"}, 403),
    ({}, 403),
    ({"Origin": "https://his.benhvien.test"}, 401),
    ({"Origin": "https://his.benhvien.test", "Authorization": "Bearer nope"}, 401),
])
def test_the_event_stream_is_gated(api: Any, headers: dict[str, str], status: int) -> None:
    opened = SseStream(api.server.port, "/v1/events?access_token=nope", headers)
    try:
        assert opened.response.status == status
        assert opened.response.getheader("Content-Type", "").startswith("application/json")
    finally:
        opened.close()


def test_stopping_the_server_ends_open_streams(api: Any, stream: SseStream) -> None:
    assert api.cards.events.listener_count() == 1
    api.server.stop()
    assert stream.ended.wait(5)
    assert api.cards.events.listener_count() == 0


def test_listeners_are_bounded_and_a_stalled_one_keeps_only_recent_events() -> None:
    hub = EventHub(max_listeners=2)
    stalled = hub.listen()
    hub.listen()
    with pytest.raises(TooManyListeners):
        hub.listen()
    for _ in range(200):
        hub.publish("card-inserted", reader="r")
    assert stalled._queue.qsize() <= 64
    with pytest.raises(ValueError):
        hub.publish("personal-data")
    stalled.close()
    assert hub.listener_count() == 1
