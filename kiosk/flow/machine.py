"""The kiosk's check-in flow as a Qt-free state machine.

The UI (or the demo, or a test) calls the event methods from any thread; blocking work runs on one worker
thread; every change is published as an immutable :class:`FlowView` through ``on_view``. A reset (cancel,
idle timeout, card removal before the visit is committed, or the end of the done screen) bumps the session
number, so results of an abandoned session are dropped, and releases every reference to personal data.

    idle ─card+key─▶ reading ─▶ verifying ─▶ [face] ─▶ insurance ─▶ [department] ─▶ checking-in ─▶ printing ─▶ done
      ▲                 └────────── failed (reason + next step; never a dead end) ◀──────┘                   │
      └───────────────────────────────── reset (wipe) ◀──────────────────────────────────────────────────────┘

The optional face step (``FlowPolicy.face_check``, docs/face.md "In the check-in flow") never fails the
check-in: anything but a ``match`` continues with the staff-confirmation flag and a ``face-*`` notice.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kiosk.config import Department
from kiosk.errors import InsuranceUnavailable, KioskError
from kiosk.face.consent import ConsentRecord, record_consent
from kiosk.face.errors import FaceError
from kiosk.face.match import FaceDecision, Outcome, refer
from kiosk.face.match import Reason as FaceReason
from kiosk.flow.checkin import (
    FLAG_INSURANCE_UNVERIFIED,
    FLAG_ISSUER_UNKNOWN,
    FLAG_STAFF_CONFIRMATION,
    CheckInOutcome,
    CheckInService,
)
from kiosk.flow.identity import PatientIdentity, identity_from_card
from kiosk.flow.reasons import INSURANCE_REASONS, Reason, reason, reason_for_error
from kiosk.his.models import AppointmentRef
from kiosk.his.port import HisPort
from nfc.access.keys import AccessKey
from nfc.errors import NfcError
from nfc.model import CardRead
from nfc.reader import ReadPlan, ReadProgress, read_card
from nfc.transport.base import CardConnection

if TYPE_CHECKING:
    from kiosk.face.liveness import Challenge, LivenessResult
    from kiosk.face.session import FrameFeedback

log = logging.getLogger(__name__)


class FlowState(enum.Enum):
    IDLE = "idle"
    WAITING = "waiting"  # card or key present, the other one still missing
    READING = "reading"
    VERIFYING = "verifying"
    FACE = "face"  # optional: consent, then the liveness challenge (FlowPolicy.face_check)
    INSURANCE = "insurance"
    CHOOSE_DEPARTMENT = "choose-department"
    CHECKING_IN = "checking-in"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


#: named steps the progress screen lists, in order
STEPS = ("reading", "verifying", "insurance", "checking-in", "printing")
#: before the visit is committed, lifting the card abandons the session
_ABANDON_ON_REMOVAL = frozenset({FlowState.WAITING, FlowState.READING, FlowState.VERIFYING, FlowState.FACE,
                                 FlowState.INSURANCE, FlowState.CHOOSE_DEPARTMENT})


@dataclass(frozen=True)
class TicketInfo:
    queue_number: int
    department: str
    department_en: str
    room: str
    issued_at: datetime
    staff_confirmation: bool
    png: bytes = field(repr=False)
    printed: bool


@dataclass(frozen=True, repr=False)
class FlowView:
    """Everything a screen may show. Personal data is limited to the masked name and the chip photo."""

    session: int
    state: FlowState
    step: str = ""
    progress: float = 0.0
    failure: Reason | None = None
    notices: tuple[Reason, ...] = ()
    masked_name: str = ""
    photo: bytes | None = None
    verdict: str | None = None
    insurance: str | None = None  # reason code of the insurance outcome
    departments: tuple[Department, ...] = ()
    ticket: TicketInfo | None = None
    timings_ms: tuple[tuple[str, float], ...] = ()
    card_present: bool = False
    key_present: bool = False
    #: face step: "consent" (ask), "challenge" (camera frames wanted), "deciding", or "" (not in it)
    face_step: str = ""
    face_challenge: str | None = None  # kiosk.face.Challenge value: blink / turn-left / turn-right
    face_guidance: str | None = None  # kiosk.face.Guidance code of the latest frame
    face_outcome: str | None = None  # match / no-match / unsure / not-checked, once decided

    def __repr__(self) -> str:
        return f"FlowView(session={self.session}, state={self.state.value}, step={self.step!r})"


@dataclass(frozen=True)
class FlowPolicy:
    accepted_verdicts: tuple[str, ...] = ("authentic", "issuer-unknown")
    flagged_verdicts: tuple[str, ...] = ("issuer-unknown",)
    #: department used without asking (demo, single-clinic kiosks); None = ask walk-ins
    auto_department: str | None = None
    insurance_wait_s: float = 10.0
    his_wait_s: float = 5.0
    reset_on_card_removal: bool = True
    read_plan: ReadPlan = field(default_factory=ReadPlan)
    #: optional face match against the chip photo (consent first; needs ``FlowServices.face``)
    face_check: bool = False
    #: how long the face step may take in all (consent question + challenge); silence is a refusal
    face_timeout_s: float = 30.0
    #: how long the patient has to perform the challenge once it is shown
    face_challenge_s: float = 10.0


class FaceCheckPort(Protocol):
    """What the flow uses of :class:`kiosk.face.FaceCheck` (tests pass spies)."""

    def give_consent(self, record: ConsentRecord) -> FaceDecision | None: ...
    def set_chip_photo(self, data: bytes) -> None: ...
    def start_challenge(self, challenge: Challenge | None = None) -> Challenge: ...
    def add_frame(self, frame: Any) -> FrameFeedback: ...
    def liveness(self) -> LivenessResult | None: ...
    def decide(self) -> FaceDecision: ...
    def wipe(self) -> None: ...


@dataclass
class FlowServices:
    open_connection: Callable[[], CardConnection]
    verify: Callable[[CardRead, AccessKey, str | None], Any]  # (read, key, QR text) → VerificationReport
    checkin: CheckInService
    insurance_lookup: Callable[[PatientIdentity], Any] | None = None  # → InsuranceResult
    his: HisPort | None = None
    make_ticket: Callable[[CheckInOutcome, PatientIdentity, Sequence[str], str], tuple[bytes, bool]] | None = None
    departments: tuple[Department, ...] = ()
    #: the face check (models loaded once per process); None with ``face_check`` on = models unavailable
    face: FaceCheckPort | None = None


class _Abandoned(Exception):
    """The session was reset while the worker was busy; its results must be dropped."""


@dataclass
class _Session:
    number: int
    key: AccessKey | None = None
    qr_text: str | None = None
    card_present: bool = False
    read: CardRead | None = None
    identity: PatientIdentity | None = None
    insurance_future: Future[Any] | None = None
    appointment_future: Future[Any] | None = None
    department_chosen: threading.Event = field(default_factory=threading.Event)
    department: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # face step: the worker sleeps on ``face_wakeup``; events fill these under the flow's lock
    face_wakeup: threading.Event = field(default_factory=threading.Event)
    face_consent: bool | None = None
    face_skipped: bool = False
    face_frame: Any = field(default=None, repr=False)  # the latest RGB frame not yet processed


class KioskFlow:
    def __init__(self, services: FlowServices, policy: FlowPolicy, on_view: Callable[[FlowView], None],
                 *, language: str = "vi") -> None:
        self.services = services
        self.policy = policy
        self.language = language
        self._on_view = on_view
        self._lock = threading.RLock()
        self._counter = 0
        self._session = _Session(0)
        self._view = FlowView(0, FlowState.IDLE)
        self._worker: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="flow-lookup")
        self._idle = threading.Event()
        self._idle.set()
        self._face_lock = threading.Lock()  # FaceCheck is not thread-safe: worker calls vs reset's wipe

    # -- events (any thread) ----------------------------------------------------------------------------
    def card_inserted(self) -> None:
        with self._lock:
            if self._view.state not in (FlowState.IDLE, FlowState.WAITING, FlowState.FAILED):
                return
            if self._view.state is FlowState.FAILED:
                self._reset_locked()
            self._session.card_present = True
            self._maybe_start_locked()

    def key_provided(self, key: AccessKey, *, qr_text: str | None = None) -> None:
        """The chip key, from the QR (pass its text too: it is cross-checked), the MRZ or typed digits."""
        with self._lock:
            if self._view.state is FlowState.FAILED:
                present = self._session.card_present
                self._reset_locked()
                self._session.card_present = present
            if self._view.state not in (FlowState.IDLE, FlowState.WAITING):
                return
            self._session.key = key
            self._session.qr_text = qr_text
            self._maybe_start_locked()

    def card_removed(self) -> None:
        with self._lock:
            self._session.card_present = False
            if self.policy.reset_on_card_removal and self._view.state in _ABANDON_ON_REMOVAL:
                self._reset_locked()
            else:
                self._publish_locked(card_present=False)

    def choose_department(self, code: str) -> None:
        with self._lock:
            if self._view.state is not FlowState.CHOOSE_DEPARTMENT:
                return
            self._session.department = code
            self._session.department_chosen.set()

    def face_consent(self, granted: bool) -> None:
        """The patient pressed "I agree" (True) or "No, thanks" (False) on the consent screen."""
        with self._lock:
            if self._view.state is not FlowState.FACE or self._view.face_step != "consent":
                return
            self._session.face_consent = bool(granted)
            self._session.face_wakeup.set()

    def face_frame(self, frame: Any) -> None:
        """A camera frame (numpy BGR uint8 H×W×3, as OpenCV delivers it) from the camera thread. Only
        the latest unprocessed frame is kept; the worker runs the detector, so this returns at once."""
        if self._view.state is not FlowState.FACE or self._view.face_step != "challenge":
            return  # cheap early exit without the lock (most frames outside the challenge)
        array = np.asarray(frame)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
            return
        rgb = np.ascontiguousarray(array[:, :, ::-1])  # BGR → RGB, and our own copy of the buffer
        with self._lock:
            if self._view.state is not FlowState.FACE or self._view.face_step != "challenge":
                return
            self._session.face_frame = rgb
            self._session.face_wakeup.set()

    def face_skip(self) -> None:
        """Leave the face step now (the patient cannot or will not do it; or no camera). The check-in
        goes on with staff confirmation; frames already seen are still judged (never as a match without
        a passed challenge)."""
        with self._lock:
            if self._view.state is not FlowState.FACE:
                return
            self._session.face_skipped = True
            self._session.face_wakeup.set()

    def cancel(self) -> None:
        with self._lock:
            self._reset_locked()

    def idle_timeout(self) -> None:
        with self._lock:
            self._reset_locked()

    def finish(self) -> None:
        """The done/failed screen has been shown long enough."""
        with self._lock:
            if self._view.state in (FlowState.DONE, FlowState.FAILED):
                self._reset_locked()

    @property
    def view(self) -> FlowView:
        return self._view

    def wait_until_settled(self, timeout: float = 60.0) -> FlowView:
        """Block until the worker is idle (tests and the demo)."""
        self._idle.wait(timeout)
        return self._view

    def close(self) -> None:
        self.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- internals ---------------------------------------------------------------------------------
    def _reset_locked(self) -> None:
        old = self._session
        for future in (old.insurance_future, old.appointment_future):
            if future is not None:
                future.cancel()
        old.department_chosen.set()  # release a worker waiting for a choice; it then sees the new session
        old.face_wakeup.set()  # likewise a worker in the face step
        old.face_frame = None
        self._wipe_face()
        # drop every reference to personal data (Python cannot zero immutable bytes/str in place)
        old.read = None
        old.identity = None
        old.key = None
        old.qr_text = None
        self._counter += 1
        # the card lying on the reader is physical state, not personal data: a new session still knows it
        self._session = _Session(self._counter, card_present=old.card_present)
        self._view = FlowView(self._counter, FlowState.IDLE, card_present=old.card_present)
        self._emit(self._view)

    def _wipe_face(self) -> None:
        """Drop the chip photo embedding, frames and consent. If the worker is inside a face call right
        now, it wipes itself when that call returns (its face step always ends with a wipe)."""
        face = self.services.face
        if face is None or not self._face_lock.acquire(blocking=False):
            return
        try:
            face.wipe()
        except Exception as exc:  # wiping must never break a reset
            log.warning("face wipe failed: %s", type(exc).__name__)
        finally:
            self._face_lock.release()

    def _maybe_start_locked(self) -> None:
        session = self._session
        if session.key is None or not session.card_present:
            self._publish_locked(state=FlowState.WAITING, card_present=session.card_present,
                                 key_present=session.key is not None)
            return
        self._publish_locked(state=FlowState.READING, step="reading", progress=0.0)
        self._idle.clear()
        self._worker = threading.Thread(target=self._run, args=(session,), name="flow-worker", daemon=True)
        self._worker.start()

    def _publish_locked(self, **changes: Any) -> None:
        self._view = replace(self._view, **changes)
        self._emit(self._view)

    def _publish(self, session: _Session, **changes: Any) -> None:
        with self._lock:
            if session is not self._session:
                raise _Abandoned()
            self._publish_locked(**changes)

    def _emit(self, view: FlowView) -> None:
        try:
            self._on_view(view)
        except Exception as exc:  # a broken listener must not break the flow
            log.warning("flow listener failed: %s", type(exc).__name__)

    def _timed(self, session: _Session, name: str, started: float) -> None:
        session.timings[name] = (time.perf_counter() - started) * 1000

    # -- the worker ------------------------------------------------------------------------------------
    def _run(self, session: _Session) -> None:
        try:
            self._run_session(session)
        except _Abandoned:
            pass
        except NfcError as exc:
            self._fail(session, reason_for_error(exc))
        except KioskError as exc:
            self._fail(session, reason_for_error(exc))
        except Exception as exc:  # last line of defence: a reason and staff, never a crash
            log.error("check-in failed unexpectedly: %s", type(exc).__name__)
            self._fail(session, reason("internal-error"))
        finally:
            self._idle.set()

    def _fail(self, session: _Session, why: Reason) -> None:
        with self._lock:
            if session is not self._session:
                return
            session.read = None
            session.identity = None
            self._publish_locked(state=FlowState.FAILED, failure=why, photo=None,
                                 timings_ms=tuple(session.timings.items()))

    def _run_session(self, session: _Session) -> None:
        services, policy = self.services, self.policy
        assert session.key is not None
        # 1. read the chip (identity files first; look-ups start while the rest is read)
        started = time.perf_counter()

        def progress(step: ReadProgress) -> None:
            self._publish(session, progress=0.05 + 0.45 * step.fraction, step="reading")

        def early(mrz: Any, personal: Any) -> None:
            self._start_lookups(session, mrz, personal)

        connection = services.open_connection()
        try:
            read = read_card(connection, session.key, policy.read_plan, progress=progress, on_early_data=early)
        finally:
            connection.close()
        self._timed(session, "read", started)
        session.read = read
        if not read.complete:
            self._fail(session, reason("incomplete-read"))
            return

        # 2. verify: nothing is shown or used until the verdict allows it
        self._publish(session, state=FlowState.VERIFYING, step="verifying", progress=0.55)
        started = time.perf_counter()
        report = services.verify(read, session.key, session.qr_text)
        self._timed(session, "verify", started)
        verdict = str(report.verdict.value)  # nfc.verify.report.Verdict
        if verdict not in policy.accepted_verdicts:
            code = report.reason or ""
            if "clone" in code:
                self._fail(session, reason("clone-suspected"))
            elif code.startswith("crosscheck"):
                self._fail(session, reason("data-mismatch"))
            else:
                self._fail(session, reason("not-genuine"))
            return
        identity = identity_from_card(read)
        session.identity = identity
        notices: list[Reason] = []
        flags: list[str] = []
        if verdict in policy.flagged_verdicts:
            notices.append(reason("issuer-unknown"))
            flags += [FLAG_ISSUER_UNKNOWN, FLAG_STAFF_CONFIRMATION]
        if identity.card_expiry and identity.card_expiry < datetime.now().date().isoformat():
            notices.append(reason("card-expired"))
            flags.append(FLAG_STAFF_CONFIRMATION)
        if session.insurance_future is None and session.appointment_future is None:
            self._start_lookups(session, read.mrz, read.personal_data)

        # 2b. optional face check (the look-ups keep running meanwhile); never a dead end
        if policy.face_check:
            started = time.perf_counter()
            self._publish(session, state=FlowState.FACE, step="verifying", progress=0.6,
                          masked_name=identity.masked_name, verdict=verdict, notices=tuple(notices))
            face_result = self._face_step(session, identity.photo)
            self._timed(session, "face", started)
            flags += face_flags(face_result)
            notice = face_notice(face_result)
            if notice is not None:
                notices.append(reason(notice))
                flags.append(FLAG_STAFF_CONFIRMATION)
        self._publish(session, state=FlowState.INSURANCE, step="insurance", progress=0.65,
                      masked_name=identity.masked_name, photo=identity.photo, verdict=verdict,
                      notices=tuple(notices), face_step="", face_guidance=None, face_challenge=None)

        # 3. insurance (speculative result, or wait for it now)
        started = time.perf_counter()
        insurance_code: str | None = None
        if session.insurance_future is not None:
            try:
                result = session.insurance_future.result(timeout=policy.insurance_wait_s)
                insurance_code = _insurance_reason(result)
            except (InsuranceUnavailable, FutureTimeout):
                insurance_code = "insurance-offline"
            except KioskError:
                insurance_code = "insurance-problem"
            if insurance_code != "insurance-valid" and insurance_code != "insurance-new-card":
                notices.append(reason(insurance_code))
                flags.append(FLAG_STAFF_CONFIRMATION)
            if insurance_code in ("insurance-offline", "insurance-problem"):
                flags.append(FLAG_INSURANCE_UNVERIFIED)
        self._timed(session, "insurance", started)
        self._publish(session, insurance=insurance_code, notices=tuple(notices), progress=0.75)

        # 4. department: today's booking, the configured one, or the patient's choice
        appointment = self._appointment(session)
        department = policy.auto_department
        if department is None:
            self._publish(session, state=FlowState.CHOOSE_DEPARTMENT, step="checking-in",
                          departments=services.departments)
            session.department_chosen.wait()
            with self._lock:
                if session is not self._session:
                    raise _Abandoned()
            department = session.department
        assert department is not None

        # 5. the durable check-in (from here on, lifting the card no longer abandons the visit)
        self._publish(session, state=FlowState.CHECKING_IN, step="checking-in", progress=0.85)
        started = time.perf_counter()
        outcome = services.checkin.check_in(identity, department, verdict=verdict, flags=flags,
                                            appointment=appointment)
        self._timed(session, "checkin", started)
        notices += [reason(code) for code in outcome.reasons]

        # 6. the ticket
        self._publish(session, state=FlowState.PRINTING, step="printing", progress=0.95, notices=tuple(notices))
        started = time.perf_counter()
        png, printed = b"", False
        if services.make_ticket is not None:
            png, printed = services.make_ticket(outcome, identity, tuple(n.code for n in notices), self.language)
            if not printed:
                notices.append(reason("printer-failed"))
        self._timed(session, "ticket", started)
        visit = outcome.checkin
        ticket = TicketInfo(
            queue_number=visit.queue_number, department=outcome.department.name,
            department_en=outcome.department.name_en or outcome.department.name, room=outcome.department.room,
            issued_at=datetime.fromtimestamp(visit.created_at), staff_confirmation=FLAG_STAFF_CONFIRMATION in
            visit.flags or not outcome.delivered, png=png, printed=printed,
        )
        with self._lock:
            if session is not self._session:
                return  # reset during printing: the visit is committed; the screen already moved on
            session.read = None  # the chip data is no longer needed
            self._publish_locked(state=FlowState.DONE, step="done", progress=1.0, ticket=ticket,
                                 notices=tuple(notices), timings_ms=tuple(session.timings.items()))

    # -- the face step ---------------------------------------------------------------------------------
    def _face_step(self, session: _Session, chip_photo: bytes | None) -> FaceResult:
        face = self.services.face
        if face is None:  # switched on, but the models could not be loaded at start-up
            return FaceResult(None, refer(FaceReason.MODEL_UNAVAILABLE), 0)
        try:
            return self._face_session(session, face, chip_photo)
        except _Abandoned:
            raise
        except Exception as exc:  # a face-engine fault must not stop the check-in: staff confirm instead
            log.warning("face check failed: %s", type(exc).__name__)
            return FaceResult(None, refer(FaceReason.MODEL_UNAVAILABLE), 0)
        finally:
            with self._face_lock:  # the decision is taken: nothing biometric is needed any more
                face.wipe()

    def _face_call(self, session: _Session, call: Callable[[], Any]) -> Any:
        with self._face_lock:
            with self._lock:
                if session is not self._session:
                    raise _Abandoned()
            return call()

    def _face_wait(self, session: _Session, deadline: float, *, consent_phase: bool
                   ) -> tuple[bool | None, bool, Any]:
        """Sleep until the awaited event (the consent answer, or a frame) or skip or the deadline; return
        (consent, skipped, frame), taking the frame."""
        while True:
            session.face_wakeup.clear()
            with self._lock:
                if session is not self._session:
                    raise _Abandoned()
                frame = None if consent_phase else session.face_frame
                session.face_frame = None
                state = (session.face_consent, session.face_skipped, frame)
            if state[1] or (state[0] is not None if consent_phase else frame is not None):
                return state
            left = deadline - time.monotonic()
            if left <= 0:
                return state
            session.face_wakeup.wait(left)

    def _face_session(self, session: _Session, face: FaceCheckPort, chip_photo: bytes | None) -> FaceResult:
        policy = self.policy
        deadline = time.monotonic() + policy.face_timeout_s
        self._publish(session, face_step="consent", face_outcome=None, face_guidance=None, face_challenge=None)
        consent, skipped, _ = self._face_wait(session, deadline, consent_phase=True)
        # only a pressed "I agree" is consent; a refusal, "skip" or silence until the timeout is not
        record = record_consent(consent is True and not skipped, language=self.language)
        refused = self._face_call(session, lambda: face.give_consent(record))
        if refused is not None:
            return self._face_done(session, FaceResult(record, refused, 0))
        self._publish(session, face_step="deciding")
        if chip_photo:
            photo = chip_photo
            self._face_call(session, lambda: face.set_chip_photo(photo))
        early: FaceDecision = self._face_call(session, face.decide)
        if early.outcome is Outcome.NOT_CHECKED:  # chip photo unusable or models missing: no challenge
            return self._face_done(session, FaceResult(record, early, 0))
        challenge = self._face_call(session, face.start_challenge)
        with self._lock:
            if session is not self._session:
                raise _Abandoned()
            session.face_frame = None
        self._publish(session, face_step="challenge", face_challenge=str(challenge.value))
        until = min(deadline, time.monotonic() + policy.face_challenge_s)
        frames = 0
        guidance: str | None = None
        while True:
            _, skipped, frame = self._face_wait(session, until, consent_phase=False)
            if frame is not None:
                frames += 1
                try:
                    feedback = self._face_call(session, partial(face.add_frame, frame))
                except FaceError:  # an odd frame (size) is skipped, not fatal
                    continue
                code = str(feedback.guidance[0].value) if feedback.guidance else None
                if code != guidance:
                    guidance = code
                    self._publish(session, face_guidance=code)
                live = self._face_call(session, face.liveness)
                if live is not None and live.passed:
                    break  # the action is done: no need to keep the patient waiting
            if skipped or time.monotonic() >= until:
                break
        self._publish(session, face_step="deciding")
        decision = self._face_call(session, face.decide)
        return self._face_done(session, FaceResult(record, decision, frames))

    def _face_done(self, session: _Session, result: FaceResult) -> FaceResult:
        # a line without personal data: codes, a rounded distance, the consent text version
        log.info("face check: consent=%s text=%s outcome=%s reason=%s distance=%s liveness=%s frames=%d",
                 None if result.consent is None else result.consent.granted,
                 None if result.consent is None else result.consent.text_version, result.decision.outcome,
                 result.decision.reason, _rounded(result.decision.distance), result.decision.liveness,
                 result.frames)
        self._publish(session, face_step="", face_outcome=str(result.decision.outcome), face_guidance=None)
        return result

    # -- speculative look-ups ----------------------------------------------------------------------
    def _start_lookups(self, session: _Session, mrz: Any, personal: Any) -> None:
        """Started as soon as DG1/DG13 are in; results are used only if the verdict allows it."""
        if session.insurance_future is not None or session.appointment_future is not None:
            return
        services = self.services
        probe = _probe_identity(mrz, personal)
        if probe is None:
            return
        if services.insurance_lookup is not None:
            session.insurance_future = self._pool.submit(services.insurance_lookup, probe)
        if services.his is not None:
            session.appointment_future = self._pool.submit(_todays_appointment, services.his, probe.id_number)

    def _appointment(self, session: _Session) -> AppointmentRef | None:
        future = session.appointment_future
        if future is None:
            return None
        try:
            result: AppointmentRef | None = future.result(timeout=self.policy.his_wait_s)
            return result
        except Exception:  # HIS down or slow: check in as a walk-in; the outbox reconciles
            return None


@dataclass(frozen=True)
class FaceResult:
    """The face step's outcome as the flow records it (codes only)."""

    consent: ConsentRecord | None  # None: the step could not start (models unavailable)
    decision: FaceDecision
    frames: int  # camera frames processed; 0 with consent = no camera


def _rounded(distance: float | None) -> str:
    return "-" if distance is None else f"{distance:.2f}"


def face_flags(result: FaceResult) -> list[str]:
    """What the visit stores about the face check: codes and a rounded distance, no image or embedding."""
    decision = result.decision
    flags = [f"face:{decision.outcome}", f"face-reason:{decision.reason}"]
    if result.consent is not None:
        flags.append(f"face-consent:{'granted' if result.consent.granted else 'declined'}")
        flags.append(f"face-consent-text:{result.consent.text_version}")
    if decision.distance is not None:
        flags.append(f"face-distance:{_rounded(decision.distance)}")
    return flags


def face_notice(result: FaceResult) -> str | None:
    """The notice (and with it the staff-confirmation flag) for anything but a ``match``."""
    outcome = result.decision.outcome
    if outcome is Outcome.MATCH:
        return None
    if outcome is Outcome.NOT_CHECKED or (result.consent is not None and result.consent.granted
                                          and result.frames == 0):
        return "face-not-checked"  # declined, timed out, no camera, no usable chip photo or no models
    if outcome is Outcome.NO_MATCH:
        return "face-no-match"
    return "face-unsure"


def _todays_appointment(his: HisPort, id_number: str) -> AppointmentRef | None:
    patient = his.find_patient(id_number)
    return his.todays_appointment(patient) if patient is not None else None


def _probe_identity(mrz: Any, personal: Any) -> PatientIdentity | None:
    from nfc.model import CardRead

    try:
        fake = CardRead(atr=b"", access=None, files={}, mrz=mrz, personal_data=personal)  # type: ignore[arg-type]
        return identity_from_card(fake)
    except KioskError:
        return None


def _insurance_reason(result: Any) -> str:
    outcome = getattr(result, "outcome", None)
    value = getattr(outcome, "value", "")
    if value in INSURANCE_REASONS:
        return INSURANCE_REASONS[value]
    action = getattr(getattr(outcome, "action", None), "value", "")
    if action == "proceed":
        return "insurance-valid"
    if action == "proceed-new-card":
        return "insurance-new-card"
    if action in ("retry-later", "config-error", "bug"):
        return "insurance-offline"
    if value.startswith("wrong-name"):
        return "insurance-wrong-name"
    if value in ("stopped-participating", "reduced"):
        return "insurance-revoked"
    return "insurance-problem"
