"""Self-test engine: checks, results and a runner with per-check timeouts.

A :class:`Check` is a named probe of one part of the kiosk (reader, printer, HIS, ...). It returns an
:class:`Outcome`; the runner adds the id, title and the time it took, and turns a check that overruns its
timeout or raises into a ``fail`` result, so one stuck device never hangs the whole self-test.
The exit code is the worst result: 0 ok (or skipped), 1 warn, 2 fail.
"""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig


class Result(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def severity(self) -> int:
        return {"ok": 0, "skip": 0, "warn": 1, "fail": 2}[self.value]


@dataclass(frozen=True)
class Hint:
    """What to do about a result, for the technician: Vietnamese and English."""

    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en


Value = float | int | str | None


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the runner turns it into a :class:`CheckResult`."""

    result: Result
    detail: str = ""
    value: Value = None
    unit: str = ""
    hint: Hint | None = None


def ok(detail: str = "", value: Value = None, unit: str = "") -> Outcome:
    return Outcome(Result.OK, detail, value, unit)


def warn(detail: str, hint: Hint, value: Value = None, unit: str = "") -> Outcome:
    return Outcome(Result.WARN, detail, value, unit, hint)


def fail(detail: str, hint: Hint, value: Value = None, unit: str = "") -> Outcome:
    return Outcome(Result.FAIL, detail, value, unit, hint)


def skip(detail: str, hint: Hint | None = None) -> Outcome:
    return Outcome(Result.SKIP, detail, None, "", hint)


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    result: Result
    value: Value = None
    unit: str = ""
    detail: str = ""
    hint: Hint | None = None
    ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "result": self.result.value,
            "value": self.value,
            "unit": self.unit,
            "detail": self.detail,
            "hint": {"vi": self.hint.vi, "en": self.hint.en} if self.hint else None,
            "ms": round(self.ms, 1),
        }


@dataclass(frozen=True)
class SelftestOptions:
    """Technician choices for one run (CLI flags or the GUI)."""

    #: use the built-in virtual CCCD (inserted into the vpcd reader) as the technician test card
    virtual_card: bool = False
    #: CAN of a real technician test card (else ``CCCD_SELFTEST_CAN`` from the environment)
    can: str | None = None
    #: PC/SC reader to test; None = the virtual reader in virtual mode, else the one holding a card
    reader: str | None = None
    #: print a short test ticket
    test_print: bool = False
    #: camera device index or path overriding the profile's (a video file works too)
    camera_device: int | str | None = None
    #: image with an MRZ for the OCR check; None = a built-in synthetic card image
    test_image: Path | None = None
    #: trust store directory; None = ``<data_dir>/trust``
    trust_dir: Path | None = None
    #: how long to wait for the test card on the reader
    card_timeout_s: float = 5.0


class SelftestContext:
    """Working state shared by the checks of one run (mutable on purpose: checks hand facts on, e.g.
    the reader found, the card read, the servers' clock). ``cleanups`` run after the last check."""

    def __init__(self, config: KioskConfig, options: SelftestOptions, *, config_ok: bool = True) -> None:
        self.config = config
        self.options = options
        self.config_ok = config_ok
        self.config_error: Exception | None = None
        self.facts: dict[str, Any] = {}
        self.cleanups: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def remember(self, key: str, value: Any) -> None:
        with self._lock:
            self.facts[key] = value

    def fact(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self.facts.get(key, default)

    def close(self) -> None:
        while self.cleanups:
            action = self.cleanups.pop()
            with contextlib.suppress(Exception):  # a failed cleanup must not hide the results
                action()


CheckFunction = Callable[[SelftestContext], Outcome]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: CheckFunction = field(repr=False)
    timeout_s: float = 10.0
    #: ids of checks that must have ended ok/warn, else this one is skipped
    needs: tuple[str, ...] = ()
    #: hint when the check overruns its timeout
    timeout_hint: Hint | None = None


GENERIC_TIMEOUT_HINT = Hint(
    "Kiểm tra bị treo quá thời gian cho phép. Kiểm tra cáp và nguồn của thiết bị, rồi chạy lại selftest.",
    "The check hung past its time limit. Check the device's cable and power, then run the self-test again.",
)
TYPED_ERROR_VI = "Thiết bị hoặc dịch vụ báo lỗi ({reason}). Làm theo hướng dẫn (tiếng Anh) hoặc gọi IT."
CRASH_HINT = Hint(
    "Lỗi phần mềm trong bước kiểm tra. Gửi kết quả `cccd-kiosk selftest --json` cho bộ phận IT.",
    "Software error in this check. Send the `cccd-kiosk selftest --json` output to IT.",
)


@dataclass(frozen=True)
class SelftestReport:
    results: tuple[CheckResult, ...]

    @property
    def worst(self) -> Result:
        worst = Result.OK
        for item in self.results:
            if item.result.severity > worst.severity:
                worst = item.result
        return worst

    @property
    def exit_code(self) -> int:
        return self.worst.severity

    def result(self, check_id: str) -> CheckResult:
        for item in self.results:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def counts(self) -> dict[str, int]:
        counts = {r.value: 0 for r in Result}
        for item in self.results:
            counts[item.result.value] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "exit_code": self.exit_code,
            "worst": self.worst.value,
            "counts": self.counts(),
            "results": [r.to_json() for r in self.results],
        }


ProgressCallback = Callable[[CheckResult, int, int], None]


def _run_one(check: Check, context: SelftestContext) -> Outcome:
    """Run ``check`` on a daemon thread; give up waiting after its timeout (the thread is abandoned,
    which is why checks must not hold locks others need)."""
    box: list[Outcome | BaseException] = []

    def target() -> None:
        try:
            box.append(check.run(context))
        except BaseException as exc:  # reported as a fail below, with its type only (no PII)
            box.append(exc)

    worker = threading.Thread(target=target, name=f"selftest-{check.id}", daemon=True)
    worker.start()
    worker.join(check.timeout_s)
    if worker.is_alive() or not box:
        return fail(f"no answer within {check.timeout_s:g} s", check.timeout_hint or GENERIC_TIMEOUT_HINT)
    answer = box[0]
    if isinstance(answer, BaseException):
        reason = getattr(answer, "reason", type(answer).__name__)
        hint_text = getattr(answer, "hint", None)
        # a typed error (nfc/ocr/kiosk) carries its own English hint; anything else is our bug
        hint = Hint(TYPED_ERROR_VI.format(reason=reason), hint_text) if isinstance(hint_text, str) else CRASH_HINT
        return fail(f"check raised {type(answer).__name__} ({reason})", hint)
    return answer


def select_checks(checks: Sequence[Check], only: Iterable[str] | None) -> list[Check]:
    """The checks named in ``only`` plus everything they need, in suite order."""
    if only is None:
        return list(checks)
    by_id = {c.id: c for c in checks}
    wanted: set[str] = set()
    pending = list(only)
    while pending:
        name = pending.pop()
        if name not in by_id:
            raise KeyError(name)
        if name not in wanted:
            wanted.add(name)
            pending.extend(by_id[name].needs)
    return [c for c in checks if c.id in wanted]


def run_checks(
    checks: Sequence[Check],
    context: SelftestContext,
    *,
    only: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
) -> SelftestReport:
    selected = select_checks(checks, only)
    done: dict[str, Result] = {}
    results: list[CheckResult] = []
    try:
        for index, check in enumerate(selected):
            blocked = [n for n in check.needs if done.get(n) not in (Result.OK, Result.WARN)]
            started = time.perf_counter()
            outcome = skip(f"needs {', '.join(blocked)}") if blocked else _run_one(check, context)
            item = CheckResult(
                check.id,
                check.title,
                outcome.result,
                outcome.value,
                outcome.unit,
                outcome.detail,
                outcome.hint,
                (time.perf_counter() - started) * 1000,
            )
            done[check.id] = item.result
            results.append(item)
            if progress is not None:
                progress(item, index + 1, len(selected))
    finally:
        context.close()
    return SelftestReport(tuple(results))


def check_ids(checks: Sequence[Check]) -> Mapping[str, str]:
    return {c.id: c.title for c in checks}
