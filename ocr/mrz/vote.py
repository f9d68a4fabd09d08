"""Voting across video frames.

Per-position class probabilities of frames that saw the same format are averaged in log space and decoded
again; a result is released only when the combined decode is valid *and* enough frames agree exactly with it.
One lucky frame therefore never produces a key.
"""

from __future__ import annotations

from collections import Counter, deque

import numpy as np
import numpy.typing as npt

from ocr.mrz.engine import Reading
from ocr.mrz.parse import MrzResult, decode

F32 = npt.NDArray[np.float32]


class MrzVoter:
    def __init__(self, min_agree: int = 2, window: int = 8) -> None:
        self.min_agree = min_agree
        self._frames: deque[Reading] = deque(maxlen=window)

    def reset(self) -> None:
        self._frames.clear()

    def add(self, reading: Reading | None) -> MrzResult | None:
        """Add one frame's reading; returns the agreed result once there is one."""
        if reading is None:
            return None
        self._frames.append(reading)
        fmt = reading.result.format
        same = [r for r in self._frames if r.result.format == fmt and len(r.probs) == len(reading.probs)]
        logs = [np.log(np.stack([np.concatenate(r.probs)]) + 1e-6)[0] for r in same]
        mean = np.exp(np.mean(logs, axis=0)).astype(np.float32)
        mean /= mean.sum(axis=1, keepdims=True)
        n = len(reading.probs[0])
        combined = decode(fmt, [mean[i * n : (i + 1) * n] for i in range(len(reading.probs))])
        if not combined.valid:
            return None
        agree = Counter(r.result.lines for r in same if r.result.valid)
        if agree[combined.lines] >= self.min_agree:
            return combined
        return None
