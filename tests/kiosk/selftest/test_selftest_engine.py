"""The runner: worst-result exit code, per-check timeout, crashes, prerequisites, --only, progress, JSON."""

from __future__ import annotations

import time

import pytest

from kiosk.config import KioskConfig
from kiosk.selftest.engine import (
    GENERIC_TIMEOUT_HINT,
    Check,
    Hint,
    Result,
    SelftestContext,
    SelftestOptions,
    fail,
    ok,
    run_checks,
    skip,
    warn,
)

HINT = Hint("Làm gì đó.", "Do something.")


def context() -> SelftestContext:
    return SelftestContext(KioskConfig(), SelftestOptions())


def constant(check_id: str, outcome: object, needs: tuple[str, ...] = ()) -> Check:
    return Check(check_id, check_id.title(), lambda _ctx: outcome, timeout_s=2.0, needs=needs)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(("outcomes", "code"), [
    ((ok(), ok()), 0),
    ((ok(), skip("n/a")), 0),
    ((ok(), warn("meh", HINT)), 1),
    ((warn("meh", HINT), fail("bad", HINT), ok()), 2),
])
def test_exit_code_is_the_worst_result(outcomes: tuple[object, ...], code: int) -> None:
    checks = [constant(f"c{i}", o) for i, o in enumerate(outcomes)]
    report = run_checks(checks, context())
    assert report.exit_code == code
    assert len(report.results) == len(outcomes)


def test_a_hanging_check_fails_at_its_timeout_and_the_rest_still_runs() -> None:
    hang = Check("hang", "Hang", lambda _ctx: (time.sleep(5), ok())[1], timeout_s=0.3)
    started = time.monotonic()
    report = run_checks([hang, constant("after", ok("fine", 1, "x"))], context())
    assert time.monotonic() - started < 2.0
    assert report.result("hang").result is Result.FAIL
    assert report.result("hang").hint == GENERIC_TIMEOUT_HINT
    assert "0.3 s" in report.result("hang").detail
    assert report.result("after").result is Result.OK


def test_a_crashing_check_fails_without_stopping_the_run() -> None:
    def boom(_ctx: SelftestContext) -> object:
        raise ZeroDivisionError("nobody's data here")

    report = run_checks([Check("boom", "Boom", boom), constant("after", ok())], context())  # type: ignore[arg-type]
    assert report.result("boom").result is Result.FAIL
    assert "ZeroDivisionError" in report.result("boom").detail
    assert report.result("after").result is Result.OK


def test_checks_whose_prerequisite_failed_are_skipped() -> None:
    checks = [constant("base", fail("down", HINT)), constant("child", ok(), needs=("base",)),
              constant("warned", warn("w", HINT)), constant("child2", ok(), needs=("warned",))]
    report = run_checks(checks, context())
    assert report.result("child").result is Result.SKIP and "base" in report.result("child").detail
    assert report.result("child2").result is Result.OK


def test_only_runs_the_named_checks_and_their_prerequisites() -> None:
    checks = [constant("a", ok()), constant("b", ok(), needs=("a",)), constant("c", ok())]
    report = run_checks(checks, context(), only=["b"])
    assert [r.id for r in report.results] == ["a", "b"]
    with pytest.raises(KeyError):
        run_checks(checks, context(), only=["nope"])


def test_progress_is_reported_after_each_check() -> None:
    seen: list[tuple[str, int, int]] = []
    run_checks([constant("a", ok()), constant("b", warn("w", HINT))], context(),
               progress=lambda result, done, total: seen.append((result.id, done, total)))
    assert seen == [("a", 1, 2), ("b", 2, 2)]


def test_json_document() -> None:
    report = run_checks([constant("a", ok("fine", 12.5, "ms")), constant("b", fail("bad", HINT, 3, "x"))], context())
    document = report.to_json()
    assert document["exit_code"] == 2 and document["worst"] == "fail"
    assert document["counts"] == {"ok": 1, "warn": 0, "fail": 1, "skip": 0}
    first, second = document["results"]
    assert first["id"] == "a" and first["value"] == 12.5 and first["unit"] == "ms" and first["hint"] is None
    assert second["hint"] == {"vi": HINT.vi, "en": HINT.en}


def test_cleanups_run_after_the_last_check() -> None:
    ctx = context()
    done: list[str] = []
    ctx.cleanups.append(lambda: done.append("cleaned"))
    run_checks([constant("a", ok())], ctx)
    assert done == ["cleaned"]


def test_a_typed_error_keeps_its_own_hint() -> None:
    from nfc.errors import NoCardError

    def no_card(_ctx: SelftestContext) -> object:
        raise NoCardError("no card within 5 s")

    result = run_checks([Check("card", "Card", no_card)], context()).result("card")  # type: ignore[arg-type]
    assert result.result is Result.FAIL and "no-card" in result.detail
    assert result.hint is not None and result.hint.en == NoCardError.hint and "no-card" in result.hint.vi
