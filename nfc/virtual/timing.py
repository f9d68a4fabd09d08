"""A link timing model for ISO/IEC 14443-4 (ISO-DEP) so a read plan can be priced without hardware.

Per APDU: air time of the command and response frames (9 bits per byte on air: 8 data + parity;
PCB + CRC_A = 3 bytes per I-block; chaining into FSC/FSD-sized frames with an R(ACK) per chained
frame), a turnaround per direction change, the chip's own processing time (by instruction, plus SM
crypto per byte), and a fixed host/reader cost (USB + PC/SC). The constants are defaults, not
measurements of any particular chip; they are parameters so a site can fit them to its reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

BIT_RATES_KBPS = (106, 212, 424, 848)


@dataclass(frozen=True)
class LinkModel:
    bit_rate_kbps: int = 424
    frame_size: int = 256  # FSC = FSD (bytes per frame incl. PCB and CRC)
    block_overhead: int = 3  # PCB + CRC_A
    turnaround_ms: float = 0.1  # frame delay time + guard time per direction switch
    host_overhead_ms: float = 1.5  # reader firmware + USB + pcscd per APDU
    chip_base_ms: float = 1.0  # every command: decode, file system, SM MAC check
    chip_per_byte_ms: float = 0.004  # EEPROM read + SM encryption per data byte
    chip_ms_by_ins: dict[int, float] = field(default_factory=lambda: {
        0x84: 4.0,    # GET CHALLENGE (RNG)
        0x82: 20.0,   # EXTERNAL AUTHENTICATE (3DES, key derivation)
        0x22: 2.0,    # MSE: Set AT
        0x86: 60.0,   # GENERAL AUTHENTICATE (EC scalar multiplications on the chip)
        0x88: 120.0,  # INTERNAL AUTHENTICATE (RSA/ECDSA signature)
        0xA4: 2.0,    # SELECT
    })

    def _air_ms(self, payload: int) -> float:
        """One direction of one APDU: I-blocks (chained) plus R(ACK)s going the other way."""
        per_frame = self.frame_size - self.block_overhead
        frames = max(1, math.ceil(payload / per_frame))
        bytes_on_air = payload + frames * self.block_overhead
        acks = frames - 1
        bits = (bytes_on_air + acks * self.block_overhead) * 9
        return bits / self.bit_rate_kbps + acks * 2 * self.turnaround_ms

    def apdu_ms(self, ins: int, command_len: int, response_len: int) -> float:
        chip = self.chip_ms_by_ins.get(ins, self.chip_base_ms) + self.chip_per_byte_ms * response_len
        return (
            self._air_ms(command_len)
            + self._air_ms(response_len)
            + 2 * self.turnaround_ms
            + chip
            + self.host_overhead_ms
        )

    def total_ms(self, apdus: Iterable[tuple[int, int, int]]) -> float:
        """Sum over (INS, C-APDU bytes, R-APDU bytes)."""
        return sum(self.apdu_ms(ins, c, r) for ins, c, r in apdus)

    def at(self, bit_rate_kbps: int) -> LinkModel:
        return LinkModel(**{**self.__dict__, "bit_rate_kbps": bit_rate_kbps})
