"""One patient's face check: consent → chip photo → challenge frames → decision → wipe.

Images and embeddings live only in this object's memory. ``wipe()`` (call it at every kiosk reset)
zeroes and drops them. Nothing here logs; the result and the consent record carry no biometric data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.face.consent import ConsentRecord
from kiosk.face.detect import Box, Detection, FaceDetector, Guidance, QualityConfig
from kiosk.face.embed import DlibResnetEmbedder, Embedding, FaceEmbedder
from kiosk.face.errors import ConsentRequiredError, FaceError, FaceImageError, FaceModelError
from kiosk.face.image import RgbImage, as_rgb, decode_image, fit
from kiosk.face.liveness import (
    Challenge,
    Landmarks68,
    LivenessConfig,
    LivenessResult,
    assess,
    landmarks68,
    random_challenge,
)
from kiosk.face.match import FaceDecision, MatchConfig, Reason, decide, refer


@dataclass(frozen=True)
class FaceCheckConfig:
    match: MatchConfig = field(default_factory=MatchConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    liveness: LivenessConfig = field(default_factory=LivenessConfig)
    #: frames are scaled so the longer side is at most this (detection cost grows with pixels)
    max_side: int = 640
    #: frames kept for the challenge (~10 s at 10 fps); older ones are dropped
    max_frames: int = 100
    #: challenges to draw from. A blink lasts 100–400 ms: offer it only if the camera loop feeds
    #: at least ~10 frames/s to ``add_frame``; otherwise keep the head turns only.
    challenges: tuple[Challenge, ...] = (Challenge.BLINK, Challenge.TURN_LEFT, Challenge.TURN_RIGHT)


@dataclass(frozen=True)
class FrameFeedback:
    """What to tell the patient about one frame (codes; text via ``detect.guidance_text``)."""

    faces: int
    guidance: tuple[Guidance, ...]

    @property
    def usable(self) -> bool:
        return self.guidance == (Guidance.OK,)


def decode_fit(data: bytes, max_side: int) -> RgbImage:
    """Decode and scale; the full-size decoded copy is zeroed once the scaled one exists."""
    decoded = decode_image(data)
    image = fit(decoded, max_side)
    if image is not decoded:
        decoded.fill(0)
    return image


def chip_face_embedding(
    data: bytes, detector: FaceDetector, embedder: FaceEmbedder, max_side: int = 640
) -> Embedding | Reason:
    """Embed the single face of a chip photo (DG2 JPEG / JPEG 2000 bytes), or say why not. No quality
    gates: the chip photo is what it is; only exactly one face is required."""
    try:
        image = decode_fit(data, max_side)
    except FaceImageError:
        return Reason.CHIP_PHOTO_UNREADABLE
    try:
        found = detector.detect(image)
        if not found.faces:
            found = detector.detect(image, upsample=1)  # chip photos can be small
        if not found.faces:
            return Reason.NO_FACE_CHIP
        if len(found.faces) > 1:
            return Reason.MULTIPLE_FACES_CHIP
        return embedder.embed(image, found.faces[0])
    finally:
        image.fill(0)


class FaceCheck:
    """State for one patient. Not thread-safe: drive it from the flow's worker."""

    def __init__(
        self,
        config: FaceCheckConfig | None = None,
        *,
        detector: FaceDetector | None = None,
        embedder: FaceEmbedder | None = None,
    ) -> None:
        self.config = config if config is not None else FaceCheckConfig()
        try:
            self._detector = detector if detector is not None else FaceDetector(quality=self.config.quality)
            self._embedder: FaceEmbedder = (
                embedder if embedder is not None else DlibResnetEmbedder(self._detector.models)
            )
            self._model_error: FaceModelError | None = None
        except FaceModelError as exc:
            self._model_error = exc
        self._reset_state()

    def _reset_state(self) -> None:
        self._consent: ConsentRecord | None = None
        self._challenge: Challenge | None = None
        self._chip: Embedding | Reason | None = None
        self._landmarks: list[Landmarks68] = []
        self._boxes: list[Box] = []
        self._best: tuple[float, RgbImage, Detection] | None = None
        self._live_problem: Reason | None = None

    def __repr__(self) -> str:  # never show images, embeddings or landmarks
        return f"FaceCheck(consent={self.consented}, frames={len(self._landmarks)})"

    # --- consent ---------------------------------------------------------------------------------
    @property
    def consented(self) -> bool:
        return self._consent is not None and self._consent.granted

    def give_consent(self, record: ConsentRecord) -> FaceDecision | None:
        """Store the decision. A refusal returns the final ``not-checked`` decision at once (the flow
        continues with staff confirmation); consent returns None and the check can start."""
        self.wipe()
        self._consent = record
        if not record.granted:
            return refer(Reason.NO_CONSENT)
        return None

    def _require_consent(self) -> None:
        if not self.consented:
            raise ConsentRequiredError("face check used without consent")

    # --- inputs ----------------------------------------------------------------------------------
    def set_chip_photo(self, data: bytes) -> None:
        """DG2 image bytes (JPEG or JPEG 2000). Only the embedding is kept, not the image."""
        self._require_consent()
        if self._model_error is not None:
            return
        self._drop_chip()
        self._chip = chip_face_embedding(data, self._detector, self._embedder, self.config.max_side)

    def start_challenge(self, challenge: Challenge | None = None) -> Challenge:
        """Pick (or set) the liveness action and forget earlier frames. Show ``challenge_text``."""
        self._require_consent()
        self._drop_frames()
        self._challenge = challenge if challenge is not None else random_challenge(self.config.challenges)
        return self._challenge

    def add_frame(self, frame: RgbImage) -> FrameFeedback:
        """One camera frame (RGB uint8) taken while the patient performs the challenge."""
        self._require_consent()
        if self._challenge is None:
            raise FaceError("start_challenge() before add_frame()", reason="face-no-challenge")
        if self._model_error is not None:
            return FrameFeedback(0, (Guidance.NO_FACE,))
        image = fit(as_rgb(frame), self.config.max_side)
        if np.shares_memory(image, frame):
            image = image.copy()  # the caller's buffer is reused by the camera loop
        found = self._detector.detect(image)
        feedback = FrameFeedback(len(found.faces), found.guidance)
        if len(found.faces) != 1:
            if found.faces:
                # a second face during the challenge: who performed it is no longer clear
                self._live_problem = Reason.MULTIPLE_FACES_LIVE
            image.fill(0)
            return feedback
        face = found.faces[0]
        if len(self._landmarks) >= self.config.max_frames:
            self._landmarks.pop(0).fill(0)
            self._boxes.pop(0)
        self._landmarks.append(landmarks68(self._detector.models, image, face.box))
        self._boxes.append(face.box)
        if face.quality.ok and (self._best is None or face.quality.score > self._best[0]):
            if self._best is not None:
                self._best[1].fill(0)
            self._best = (face.quality.score, image, found)
        else:
            image.fill(0)
        return feedback

    # --- decision --------------------------------------------------------------------------------
    def liveness(self) -> LivenessResult | None:
        if self._challenge is None:
            return None
        return assess(self._challenge, self._landmarks, self.config.liveness, self._boxes)

    def decide(self) -> FaceDecision:
        if not self.consented:
            return refer(Reason.NO_CONSENT)
        if self._model_error is not None:
            return refer(Reason.MODEL_UNAVAILABLE)
        model = self._embedder.name
        if self._chip is None:
            return refer(Reason.CHIP_PHOTO_UNREADABLE, model=model)
        if isinstance(self._chip, Reason):
            return refer(self._chip, model=model)
        live = self.liveness()
        live_text = "not-run" if live is None else ("passed" if live.passed else f"failed:{live.reason}")
        if self._live_problem is Reason.MULTIPLE_FACES_LIVE:
            return refer(Reason.MULTIPLE_FACES_LIVE, model=model, liveness=live_text)
        if self._best is None:
            reason = Reason.POOR_QUALITY_LIVE if self._landmarks else Reason.NO_FACE_LIVE
            return refer(reason, model=model, liveness=live_text)
        _, image, found = self._best
        face = found.faces[0]
        live_embedding = self._embedder.embed(image, face)
        try:
            distance = self._embedder.distance(self._chip, live_embedding)
        finally:
            live_embedding.wipe()
        return decide(
            distance,
            self.config.match,
            liveness=None if live is None else live.passed,
            liveness_detail="" if live is None else live.reason,
            model=model,
        )

    # --- privacy ---------------------------------------------------------------------------------
    def _drop_chip(self) -> None:
        if isinstance(self._chip, Embedding):
            self._chip.wipe()
        self._chip = None

    def _drop_frames(self) -> None:
        if self._best is not None:
            self._best[1].fill(0)
        for points in self._landmarks:
            points.fill(0)
        self._landmarks = []
        self._boxes = []
        self._best = None
        self._live_problem = None

    def wipe(self) -> None:
        """Zero and drop every image, landmark set and embedding, and the consent (a new patient
        must be asked again). Python cannot promise no copy survives elsewhere in memory; we keep
        none on purpose."""
        self._drop_chip()
        self._drop_frames()
        self._reset_state()


def compare_stills(
    chip_photo: bytes,
    image: bytes,
    *,
    config: FaceCheckConfig | None = None,
    detector: FaceDetector | None = None,
    embedder: FaceEmbedder | None = None,
) -> FaceDecision:
    """Technician check: chip photo vs one still image. No liveness (one image cannot show it), so the
    outcome is computed with ``require_liveness`` off and says ``liveness: not-run``. Never use this for
    a patient decision."""
    cfg = config if config is not None else FaceCheckConfig()
    try:
        det = detector if detector is not None else FaceDetector(quality=cfg.quality)
        emb = embedder if embedder is not None else DlibResnetEmbedder(det.models)
    except FaceModelError:
        return refer(Reason.MODEL_UNAVAILABLE)
    chip = chip_face_embedding(chip_photo, det, emb, cfg.max_side)
    if isinstance(chip, Reason):
        return refer(chip, model=emb.name)
    try:
        try:
            live_image = decode_fit(image, cfg.max_side)
        except FaceImageError:
            return refer(Reason.NO_FACE_LIVE, model=emb.name)
        found = det.detect(live_image)
        if not found.faces:
            found = det.detect(live_image, upsample=1)
        if not found.faces:
            return refer(Reason.NO_FACE_LIVE, model=emb.name)
        if len(found.faces) > 1:
            return refer(Reason.MULTIPLE_FACES_LIVE, model=emb.name)
        live = emb.embed(live_image, found.faces[0])
        live_image.fill(0)
        try:
            distance = emb.distance(chip, live)
        finally:
            live.wipe()
    finally:
        chip.wipe()
    still = MatchConfig(cfg.match.match_below, cfg.match.no_match_from, require_liveness=False)
    return decide(distance, still, liveness=None, model=emb.name)


__all__ = ["FaceCheck", "FaceCheckConfig", "FrameFeedback", "chip_face_embedding", "compare_stills"]
