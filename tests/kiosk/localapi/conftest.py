"""Fixtures for the local API tests: the virtual card (in-process, or through pcscd), a running server
on an ephemeral port, and a raw HTTP client that can send any Host/Origin/Authorization."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo import DemoEnvironment
from kiosk.localapi import AccessControl, CardService, ConnectionFactorySource, LocalApiServer, PairingToken
from nfc.access.keys import CanKey
from nfc.transport.base import CardConnection
from nfc.verify.trust import TrustStore

ORIGIN = "https://his.benhvien.test"
OTHER_ORIGIN = "http://his-dev.benhvien.test:8080"
AUDIT_KEY = bytes(range(32))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


DEFAULT = object()


class ApiClient:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token

    def request(self, method: str, path: str, *, origin: Any = ORIGIN, token: Any = DEFAULT, host: Any = DEFAULT,
                headers: dict[str, str] | None = None, body: bytes | None = None, timeout: float = 30) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            if host is DEFAULT:
                host = f"127.0.0.1:{self.port}"
            if host is not None:
                connection.putheader("Host", host)
            if origin is not None:
                connection.putheader("Origin", origin)
            if token is DEFAULT:
                token = self.token
            if token is not None:
                connection.putheader("Authorization", f"Bearer {token}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Type", "application/json")
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)


@dataclass
class FakeConsent:
    """Staff's answer per origin; records every prompt."""

    answers: dict[str, bool] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def __call__(self, origin: str) -> bool:
        self.asked.append(origin)
        return self.answers.get(origin, False)


class GatedFactory:
    """Opens connections to the virtual card; ``gate`` cleared = the card is slow to answer."""

    def __init__(self, env: DemoEnvironment) -> None:
        self.env = env
        self.gate = threading.Event()
        self.gate.set()
        self.opened = 0
        self.fail: Exception | None = None

    def __call__(self) -> CardConnection:
        self.gate.wait(10)
        if self.fail is not None:
            raise self.fail
        self.opened += 1
        return self.env._open_connection()


@dataclass
class Running:
    server: LocalApiServer
    cards: CardService
    source: ConnectionFactorySource
    access: AccessControl
    consent: FakeConsent
    client: ApiClient
    env: DemoEnvironment
    factory: GatedFactory
    origin: str = ORIGIN
    other_origin: str = OTHER_ORIGIN  # allowed, but staff refuse consent


@pytest.fixture(scope="session")
def demo_env() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(transport="memory") as env:
        yield env


@pytest.fixture
def factory(demo_env: DemoEnvironment) -> GatedFactory:
    return GatedFactory(demo_env)


def start_server(env: DemoEnvironment, factory: GatedFactory, data_dir: Path, **access_kwargs: Any) -> Running:
    token, _ = PairingToken.load_or_create(data_dir)
    consent = FakeConsent({ORIGIN: True, OTHER_ORIGIN: False})
    access = AccessControl(allowed_origins=[ORIGIN, OTHER_ORIGIN], token=token, consent=consent, **access_kwargs)
    source = ConnectionFactorySource(factory)
    cards = CardService(source, trust=TrustStore(env.data_dir / "trust"))
    cards.set_staff_key(CanKey(env.citizen.can))
    server = LocalApiServer(cards, access, port=0, keepalive_s=0.2, audit_key=AUDIT_KEY).start()
    return Running(server, cards, source, access, consent, ApiClient(server.port, token.reveal()), env, factory)


@pytest.fixture
def server_factory(demo_env: DemoEnvironment, factory: GatedFactory, tmp_path: Path) -> Iterator[Any]:
    """Start a server with extra ``AccessControl`` settings (e.g. ``failure_limit``)."""
    started: list[Running] = []

    def make(**access_kwargs: Any) -> Running:
        running = start_server(demo_env, factory, tmp_path, **access_kwargs)
        started.append(running)
        return running

    yield make
    factory.gate.set()
    for running in started:
        running.server.stop()


@pytest.fixture
def api(demo_env: DemoEnvironment, factory: GatedFactory, tmp_path: Path) -> Iterator[Running]:
    running = start_server(demo_env, factory, tmp_path)
    try:
        yield running
    finally:
        factory.gate.set()
        running.server.stop()


VOLATILE = ("timings_ms",)


@pytest.fixture
def stable_json() -> Any:
    return stable


@pytest.fixture
def pii(demo_env: DemoEnvironment) -> list[str]:
    return personal_strings(demo_env)


def stable(document: dict[str, Any]) -> dict[str, Any]:
    """The card document without what differs from read to read: timings and the verification time."""
    out = {k: v for k, v in document.items() if k not in VOLATILE}
    out["access"] = {k: v for k, v in document["access"].items() if k != "ms"}
    out["files"] = {name: {k: v for k, v in entry.items() if k != "ms"} for name, entry in document["files"].items()}
    verification = document.get("verification")
    if verification is not None:
        out["verification"] = {k: v for k, v in verification.items() if k not in ("checked_at", "ms")} | {
            "steps": [{k: v for k, v in step.items() if k != "ms"} for step in verification["steps"]]}
    return out


def personal_strings(env: DemoEnvironment) -> list[str]:
    citizen = env.citizen
    return [citizen.id_number, citizen.can, citizen.full_name, citizen.place_of_residence,
            citizen.date_of_birth.strftime("%d/%m/%Y")]


@pytest.fixture
def audit_key() -> bytes:
    return AUDIT_KEY


@pytest.fixture
def client_class() -> type[ApiClient]:
    return ApiClient


@pytest.fixture
def consent_class() -> type[FakeConsent]:
    return FakeConsent
