"""Real chip photos: the DG2 portraits of two specimen passports (German BSI 2008, Dutch 2006) in
../shared/data, used in place. Both are JPEG 2000, as in CCCD chips. These are specimen persons
(not Vietnamese), and the "kiosk frames" are the same photos re-rendered, so this proves the chip
path (decode, detect, embed) on real DG2 images, not accuracy against a camera."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from kiosk.face.detect import FaceDetector
from kiosk.face.embed import DlibResnetEmbedder
from kiosk.face.image import decode_image
from kiosk.face.match import Outcome
from kiosk.face.session import compare_stills

JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
SPECIMENS = {"de": "lds/bsi2008/Datagroup2.bin", "nl": "lds/loes2006/ef0102.bin"}


def chip_image(shared_data: Path, name: str) -> bytes:
    # Test shortcut: the image is the tail of DG2 after the ISO 19794-5 headers. In the kiosk the
    # bytes come from the LDS DG2 parser; this package only ever sees image bytes.
    dg2 = (shared_data / SPECIMENS[name]).read_bytes()
    start = dg2.find(JP2_SIGNATURE)
    assert start > 0
    return dg2[start:]


def kiosk_frame(photo: bytes) -> bytes:
    """The chip photo shown small inside a 640×480 frame, brighter, re-compressed."""
    image = Image.fromarray(decode_image(photo))
    small = image.resize((300, round(300 * image.height / image.width)))
    canvas = Image.new("RGB", (640, 480), (90, 90, 90))
    canvas.paste(small, (170, 40))
    out = io.BytesIO()
    ImageEnhance.Brightness(canvas).enhance(1.15).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_real_chip_photo_decodes_to_one_good_face(shared_data: Path, detector: FaceDetector, name: str) -> None:
    image = decode_image(chip_image(shared_data, name))
    assert image.shape[0] > 500 and image.shape[2] == 3
    found = detector.detect(image)
    assert len(found.faces) == 1
    assert found.faces[0].quality.ok, found.faces[0].quality


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_real_chip_photo_matches_its_own_rendering(
    shared_data: Path, detector: FaceDetector, embedder: DlibResnetEmbedder, name: str
) -> None:
    photo = chip_image(shared_data, name)
    decision = compare_stills(photo, kiosk_frame(photo), detector=detector, embedder=embedder)
    assert decision.outcome is Outcome.MATCH, decision


def test_two_specimen_holders_do_not_match(
    shared_data: Path, detector: FaceDetector, embedder: DlibResnetEmbedder
) -> None:
    de, nl = chip_image(shared_data, "de"), chip_image(shared_data, "nl")
    decision = compare_stills(de, kiosk_frame(nl), detector=detector, embedder=embedder)
    assert decision.outcome is Outcome.NO_MATCH, decision
