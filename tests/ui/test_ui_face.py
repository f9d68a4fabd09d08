"""The face-check screens in the kiosk window (issue 8): the consent question drives the flow with
"I agree" / "No, thanks", the challenge shows its instruction and live guidance from camera frames, and
every way out continues the check-in (staff confirm). A stand-in engine keeps these fast."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from kiosk.demo import DemoEnvironment, citizen_qr_payload
from kiosk.face.consent import consent_text
from kiosk.face.detect import Guidance, guidance_text
from kiosk.face.liveness import Challenge, challenge_text
from kiosk.face.match import FaceDecision, Outcome, Reason
from kiosk.face.session import FrameFeedback
from kiosk.flow.machine import FlowState
from nfc.access.keys import CanKey
from ui.demo import DemoKiosk, build_demo_kiosk
from ui.screens.face import FaceFrameFeeder, FaceScreen

WAIT_MS = 20_000


class StandInFace:
    """Answers like the engine: guidance "move closer" for every frame, then ``unsure``."""

    def __init__(self) -> None:
        self.frames = 0
        self.wiped = 0
        self.consented = False

    def give_consent(self, record: Any) -> FaceDecision | None:
        self.consented = record.granted
        return None if record.granted else FaceDecision(Outcome.NOT_CHECKED, Reason.NO_CONSENT)

    def set_chip_photo(self, data: bytes) -> None:
        pass

    def start_challenge(self, challenge: Any = None) -> Challenge:
        return Challenge.TURN_RIGHT

    def add_frame(self, frame: Any) -> FrameFeedback:
        assert frame.shape == (48, 64, 3)
        self.frames += 1
        return FrameFeedback(1, (Guidance.MOVE_CLOSER,))

    def liveness(self) -> Any:
        return None

    def decide(self) -> FaceDecision:
        if not self.consented:
            return FaceDecision(Outcome.NOT_CHECKED, Reason.NO_CONSENT)
        return FaceDecision(Outcome.UNSURE, Reason.LIVENESS_FAILED, 0.4, "failed:no-turn")

    def wipe(self) -> None:
        self.wiped += 1
        self.consented = False


class StillCamera:
    """A frame source: the same small BGR frame at ~20 fps."""

    def __init__(self) -> None:
        self.closed = False

    def read(self) -> Any:
        import time

        time.sleep(0.05)
        return np.zeros((48, 64, 3), dtype=np.uint8)

    def close(self) -> None:
        self.closed = True


@contextmanager
def face_kiosk(qtbot: Any, language: str = "vi", **policy: Any) -> Iterator[tuple[DemoEnvironment, DemoKiosk,
                                                                                StandInFace]]:
    import dataclasses

    face = StandInFace()
    with DemoEnvironment(transport="memory", face_check=True, face=face, language=language) as env:
        assert env.wiring is not None
        env.wiring.policy = dataclasses.replace(env.wiring.policy, **policy)
        demo = build_demo_kiosk(env, language=language, camera=False)
        qtbot.addWidget(demo.window)
        demo.window.resize(1024, 768)
        demo.window.show()
        try:
            yield env, demo, face
        finally:
            demo.close()


def start(env: DemoEnvironment, demo: DemoKiosk) -> None:
    demo.bridge.key_provided(CanKey(env.citizen.can), citizen_qr_payload(env.citizen))
    demo.bridge.card_inserted()


def face_screen(demo: DemoKiosk) -> FaceScreen:
    screen = demo.window.screens["face"]
    assert isinstance(screen, FaceScreen)
    return screen


def wait_face_step(qtbot: Any, demo: DemoKiosk, step: str) -> None:
    qtbot.waitUntil(lambda: demo.window.current_screen == "face" and face_screen(demo).step == step,
                    timeout=WAIT_MS)


def texts(demo: DemoKiosk) -> str:
    return "\n".join(demo.window.visible_texts())


@pytest.mark.parametrize("language", ["vi", "en"])
def test_consent_screen_shows_the_text_and_no_continues(qtbot: Any, language: str) -> None:
    with face_kiosk(qtbot, language) as (env, demo, face):
        start(env, demo)
        wait_face_step(qtbot, demo, "consent")
        shown = texts(demo)
        wording = consent_text(language)
        for part in ("title", "body", "accept", "decline"):
            assert wording[part] in shown
        assert demo.window.translator("staff.call") in shown  # "call staff" like every screen
        screen = face_screen(demo)
        assert screen.yes_button.isVisible() and screen.no_button.isVisible()
        qtbot.mouseClick(screen.no_button, qtbot_left())
        qtbot.waitUntil(lambda: demo.window.view.state is FlowState.DONE, timeout=WAIT_MS)
        view = demo.window.view
        assert "face-not-checked" in [n.code for n in view.notices]
        assert view.ticket is not None and view.ticket.staff_confirmation
        assert face.frames == 0 and face.wiped >= 1


def test_yes_starts_the_challenge_with_live_guidance(qtbot: Any) -> None:
    with face_kiosk(qtbot, "en", face_challenge_s=20) as (env, demo, face):
        camera = StillCamera()
        feeder = FaceFrameFeeder(lambda: camera, demo.window._face_frame, parent=demo.window)
        feeder.camera_error.connect(demo.window._face_skip)
        demo.window.face_feeder = feeder
        start(env, demo)
        wait_face_step(qtbot, demo, "consent")
        qtbot.mouseClick(face_screen(demo).yes_button, qtbot_left())
        wait_face_step(qtbot, demo, "challenge")
        assert challenge_text(Challenge.TURN_RIGHT, "en") in texts(demo)
        qtbot.waitUntil(lambda: guidance_text(Guidance.MOVE_CLOSER, "en") in texts(demo), timeout=WAIT_MS)
        assert feeder.running and face.frames > 0
        demo.window.toggle_language()  # the instruction follows the language
        qtbot.waitUntil(lambda: challenge_text(Challenge.TURN_RIGHT, "vi") in texts(demo), timeout=WAIT_MS)
        qtbot.mouseClick(face_screen(demo).skip_button, qtbot_left())
        qtbot.waitUntil(lambda: demo.window.view.state is FlowState.DONE, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not feeder.running and camera.closed, timeout=WAIT_MS)  # camera released
        view = demo.window.view
        assert "face-unsure" in [n.code for n in view.notices]
        assert view.ticket is not None and view.ticket.staff_confirmation


def test_no_camera_skips_the_face_step(qtbot: Any) -> None:
    def broken() -> Any:
        raise OSError("no camera")

    with face_kiosk(qtbot, "vi", face_challenge_s=20) as (env, demo, face):
        feeder = FaceFrameFeeder(broken, demo.window._face_frame, open_retry_s=0.2, parent=demo.window)
        feeder.camera_error.connect(demo.window._face_skip)
        demo.window.face_feeder = feeder
        start(env, demo)
        wait_face_step(qtbot, demo, "consent")
        qtbot.mouseClick(face_screen(demo).yes_button, qtbot_left())
        qtbot.waitUntil(lambda: demo.window.view.state is FlowState.DONE, timeout=WAIT_MS)
        assert "face-not-checked" in [n.code for n in demo.window.view.notices]
        assert face.frames == 0


def test_cancel_during_consent_wipes_and_returns_to_start(qtbot: Any) -> None:
    with face_kiosk(qtbot) as (env, demo, face):
        start(env, demo)
        wait_face_step(qtbot, demo, "consent")
        demo.bridge.cancel()
        qtbot.waitUntil(lambda: demo.window.current_screen == "attract", timeout=WAIT_MS)
        assert face.wiped >= 1
        assert env.wiring is not None and env.wiring.store.checkins() == []


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
