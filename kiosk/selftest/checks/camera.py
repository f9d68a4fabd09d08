"""``camera``: the profile's camera opens and delivers a frame (its quality is the measured value);
``mrz-read``: the OCR reads the MRZ of a test image (a built-in synthetic card unless one is given)."""

from __future__ import annotations

import time

from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, skip, warn

NO_CAMERA_HINT = Hint(
    "Không mở được camera mà mẫu kiosk yêu cầu. Kiểm tra cáp USB của camera, quyền truy cập /dev/video*, "
    "và device_index trong hồ sơ camera.",
    "The camera the kiosk model expects cannot be opened. Check the camera's USB cable, access to "
    "/dev/video*, and device_index in the camera profile.",
)
NO_FRAME_HINT = Hint(
    "Camera mở được nhưng không gửi hình. Rút ra cắm lại camera; kiểm tra không có chương trình khác đang dùng nó.",
    "The camera opens but sends no frames. Unplug and replug it; make sure no other program is using it.",
)
DARK_HINT = Hint(
    "Hình quá tối: ống kính bị che hoặc đèn chiếu sáng tắt. Lau ống kính, kiểm tra đèn.",
    "The picture is too dark: the lens is covered or the lighting is off. Clean the lens, check the light.",
)
OCR_HINT = Hint(
    "Không đọc được MRZ của ảnh thử. Cài lại phần mềm kiosk (mô hình OCR) hoặc dùng ảnh thử khác (--test-image).",
    "The test image's MRZ could not be read. Reinstall the kiosk software (OCR model) or use another test "
    "image (--test-image).",
)
MAX_FRAMES = 15


def check_camera(context: SelftestContext) -> Outcome:
    from ocr.camera import CameraSettings, OpenCvCamera
    from ocr.errors import CameraError
    from ocr.quality import measure

    profile = context.config.hardware().camera
    device = context.options.camera_device
    if profile is None and device is None:
        return skip("this kiosk model has no camera")
    settings = CameraSettings(
        device=device if device is not None else profile.device_index if profile else 0,
        width=profile.width if profile else 1280,
        height=profile.height if profile else 960,
    )
    try:
        camera = OpenCvCamera(settings)
    except CameraError:
        return fail(f"camera {settings.device!r} could not be opened", NO_CAMERA_HINT)
    try:
        frame = None
        for _ in range(MAX_FRAMES):
            frame = camera.read()
            if frame is not None:
                break
    finally:
        camera.close()
    if frame is None:
        return fail("camera opened but delivered no frame", NO_FRAME_HINT)
    quality = measure(frame)
    detail = (f"{frame.shape[1]}x{frame.shape[0]}, sharpness {quality.sharpness:.0f}, "
              f"brightness {quality.brightness:.0f}, guidance {quality.guidance}")
    if quality.guidance == "too-dark":
        return warn(detail, DARK_HINT, round(quality.sharpness, 1), "sharpness")
    return ok(detail, round(quality.sharpness, 1), "sharpness")


def _test_image(context: SelftestContext) -> object:
    if context.options.test_image is not None:
        from ocr.image import load_image

        return load_image(context.options.test_image)
    import numpy as np

    from ocr.synth import make_card, random_mrz

    # a clean synthetic card (no camera degradations): this tests the OCR install, not the photo
    rng = np.random.default_rng(3)
    fmt, lines = random_mrz(rng, "cccd")
    card, _ = make_card(rng, lines, fmt, 24.0)
    return np.clip(card, 0, 255).astype(np.uint8)


def check_mrz_read(context: SelftestContext) -> Outcome:
    from ocr.errors import OcrError
    from ocr.mrz.engine import read_mrz

    started = time.perf_counter()
    try:
        image = _test_image(context)
        result = read_mrz(image)  # type: ignore[arg-type]
    except OcrError as exc:
        return fail(f"OCR failed ({exc.reason})", OCR_HINT)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if result is None:
        return fail("no MRZ found in the test image", OCR_HINT, ms, "ms")
    if not result.valid:
        return fail(f"MRZ read but check digits fail ({result.format})", OCR_HINT, ms, "ms")
    return ok(f"{result.format} MRZ read, check digits valid", ms, "ms")


CHECKS = (
    Check("camera", "Camera open and frame quality", check_camera, timeout_s=20.0, timeout_hint=NO_CAMERA_HINT),
    Check("mrz-read", "MRZ read of a test image", check_mrz_read, timeout_s=60.0, timeout_hint=OCR_HINT),
)
