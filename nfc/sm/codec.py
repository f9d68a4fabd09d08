"""Secure messaging wire format shared by the terminal (``nfc.sm.session``) and the virtual card
(``nfc.virtual.card_sm``): SSC, encryption, MAC and the DO'85/'87/'97/'99/'8E layout (ICAO 9303-11 §9.8).

One implementation for both directions, so a bug cannot hide by being written twice the same way.
"""

from __future__ import annotations

import hmac

from nfc.crypto.symmetric import (
    aes_cmac,
    aes_ecb_encrypt,
    block_size,
    cbc_decrypt,
    cbc_encrypt,
    key_length,
    pad_iso9797_m2,
    retail_mac,
    unpad_iso9797_m2,
)
from nfc.errors import ParseError, SecureMessagingError
from nfc.iso7816.apdu import SHORT_MAX_LC, SHORT_MAX_LE, CommandApdu
from nfc.sm.tlv import encode_tlv, parse_tlvs

DO_ENCRYPTED_ODD = 0x85  # encrypted data, odd INS (BER-TLV content, no padding-indicator byte)
DO_ENCRYPTED = 0x87  # padding-indicator byte 01 ‖ encrypted data
DO_LE = 0x97
DO_STATUS = 0x99
DO_MAC = 0x8E
SM_CLA_BITS = 0x0C

#: largest READ BINARY Le whose SM answer still fits a short R-APDU (emrtd-lessons §1.1)
MAX_SHORT_READ = {"3DES": 231, "AES-128": 223, "AES-192": 223, "AES-256": 223}


class SmCodec:
    """Keys + send sequence counter of one SM session. Not thread safe; one per card session."""

    def __init__(self, cipher: str, ks_enc: bytes, ks_mac: bytes, ssc: int) -> None:
        size = key_length(cipher)  # raises ValueError for unknown ciphers
        if len(ks_enc) != size or len(ks_mac) != size:
            raise ValueError(f"{cipher} session keys must be {size} bytes")
        self.cipher = cipher
        self._enc = bytes(ks_enc)
        self._mac = bytes(ks_mac)
        self._block = block_size(cipher)
        if not 0 <= ssc < 1 << (8 * self._block):
            raise ValueError("SSC out of range")
        self._ssc = ssc

    def __repr__(self) -> str:  # keys stay out of logs
        return f"SmCodec(cipher={self.cipher!r}, ssc={self._ssc})"

    @property
    def ssc(self) -> int:
        return self._ssc

    def next_ssc(self) -> bytes:
        self._ssc = (self._ssc + 1) % (1 << (8 * self._block))
        return self._ssc.to_bytes(self._block, "big")

    # -- primitives ----------------------------------------------------------------------------------
    def _iv(self, ssc: bytes) -> bytes:
        if self.cipher == "3DES":
            return bytes(8)
        return aes_ecb_encrypt(self._enc, ssc)  # ICAO: IV = E(KSenc, SSC)

    def encrypt(self, ssc: bytes, plain: bytes) -> bytes:
        return cbc_encrypt(self.cipher, self._enc, pad_iso9797_m2(plain, self._block), self._iv(ssc))

    def decrypt(self, ssc: bytes, cipher_text: bytes) -> bytes:
        if not cipher_text or len(cipher_text) % self._block:
            raise SecureMessagingError("encrypted data is not a whole number of blocks")
        plain = cbc_decrypt(self.cipher, self._enc, cipher_text, self._iv(ssc))
        try:
            return unpad_iso9797_m2(plain)
        except ParseError:
            raise SecureMessagingError("encrypted data has no valid padding") from None

    def mac(self, ssc: bytes, data: bytes) -> bytes:
        """MAC over pad(SSC ‖ data): retail MAC (3DES) or CMAC[:8] (AES)."""
        padded = pad_iso9797_m2(ssc + data, self._block)
        if self.cipher == "3DES":
            return retail_mac(self._mac, padded)
        return aes_cmac(self._mac, padded)[:8]  # SM pads before CMAC (unlike the PACE tokens)

    def check_mac(self, ssc: bytes, data: bytes, received: bytes) -> None:
        if not hmac.compare_digest(self.mac(ssc, data), received):
            raise SecureMessagingError("secure messaging MAC does not match")

    # -- commands ------------------------------------------------------------------------------------
    def _header(self, cla: int, ins: int, p1: int, p2: int) -> bytes:
        return pad_iso9797_m2(bytes((cla | SM_CLA_BITS, ins, p1, p2)), self._block)

    def wrap_command(self, command: CommandApdu) -> CommandApdu:
        """Terminal side: plain command → protected command (increments the SSC)."""
        if command.cla & SM_CLA_BITS:
            raise ValueError("command is already marked as secure messaging")
        ssc = self.next_ssc()
        dos = b""
        if command.data:
            encrypted = self.encrypt(ssc, command.data)
            if command.ins & 1:
                dos += encode_tlv(DO_ENCRYPTED_ODD, encrypted)
            else:
                dos += encode_tlv(DO_ENCRYPTED, b"\x01" + encrypted)
        if command.le is not None:
            if command.is_extended:
                dos += encode_tlv(DO_LE, (command.le & 0xFFFF).to_bytes(2, "big"))
            else:
                dos += encode_tlv(DO_LE, bytes((command.le & 0xFF,)))
        header = self._header(command.cla, command.ins, command.p1, command.p2)
        dos += encode_tlv(DO_MAC, self.mac(ssc, header + dos))
        extended = command.is_extended or len(dos) > SHORT_MAX_LC
        return CommandApdu(
            command.cla | SM_CLA_BITS,
            command.ins,
            command.p1,
            command.p2,
            dos,
            le=65536 if extended else SHORT_MAX_LE,
            extended=extended,
        )

    def unwrap_command(self, command: CommandApdu) -> CommandApdu:
        """Card side: protected command → plain command (increments the SSC). Any defect raises
        ``SecureMessagingError``."""
        ssc = self.next_ssc()
        if command.cla & SM_CLA_BITS != SM_CLA_BITS:
            raise SecureMessagingError("command is not protected")
        try:
            objects = parse_tlvs(command.data, "SM command")
        except ParseError:
            raise SecureMessagingError("malformed SM data objects in command") from None
        if not objects or objects[-1][0] != DO_MAC or len(objects[-1][1]) != 8:
            raise SecureMessagingError("command lacks DO'8E")
        body = objects[:-1]
        covered = b"".join(raw for _, _, raw in body)
        header = self._header(command.cla, command.ins, command.p1, command.p2)
        self.check_mac(ssc, header + covered, objects[-1][1])
        data, le = b"", None
        seen: set[int] = set()
        for tag, value, _ in body:
            if tag in seen:
                raise SecureMessagingError(f"duplicate DO'{tag:02X}")
            seen.add(tag)
            if tag == DO_ENCRYPTED:
                if not value or value[0] != 0x01:
                    raise SecureMessagingError("DO'87 lacks the padding indicator 01")
                data = self.decrypt(ssc, value[1:])
            elif tag == DO_ENCRYPTED_ODD:
                data = self.decrypt(ssc, value)
            elif tag == DO_LE:
                if len(value) == 1:
                    le = value[0] or 256
                elif len(value) == 2:
                    le = int.from_bytes(value, "big") or 65536
                else:
                    raise SecureMessagingError("DO'97 has a bad length")
            else:
                raise SecureMessagingError(f"unexpected DO'{tag:02X} in command")
        if DO_ENCRYPTED in seen and DO_ENCRYPTED_ODD in seen:
            raise SecureMessagingError("both DO'85 and DO'87 present")
        extended = command.is_extended or (le is not None and le > SHORT_MAX_LE)
        cla = command.cla & ~SM_CLA_BITS & 0xFF
        try:
            return CommandApdu(cla, command.ins, command.p1, command.p2, data, le, extended)
        except ValueError:
            raise SecureMessagingError("protected command does not form a valid APDU") from None

    # -- responses -----------------------------------------------------------------------------------
    def wrap_response(self, data: bytes, sw: int) -> bytes:
        """Card side: response data + SW → protected response data (increments the SSC)."""
        ssc = self.next_ssc()
        dos = b""
        if data:
            dos += encode_tlv(DO_ENCRYPTED, b"\x01" + self.encrypt(ssc, data))
        dos += encode_tlv(DO_STATUS, sw.to_bytes(2, "big"))
        return dos + encode_tlv(DO_MAC, self.mac(ssc, dos))

    def unwrap_response(self, data: bytes, sw: int) -> tuple[bytes, int]:
        """Terminal side: protected response → (plain data, SW from DO'99). Increments the SSC."""
        ssc = self.next_ssc()
        if not data:
            raise SecureMessagingError(
                f"card answered {sw:04X} without secure messaging; the session is over", sw=sw
            )
        try:
            objects = parse_tlvs(data, "SM response")
        except ParseError:
            # not SM-formatted at all: most likely plain data, i.e. the card left SM
            raise SecureMessagingError("malformed SM data objects in response", sw=sw) from None
        if objects[-1][0] != DO_MAC or len(objects[-1][1]) != 8:
            raise SecureMessagingError("response lacks DO'8E", sw=sw)
        body = objects[:-1]
        self.check_mac(ssc, b"".join(raw for _, _, raw in body), objects[-1][1])
        plain, status = b"", None
        tags = [tag for tag, _, _ in body]
        if len(set(tags)) != len(tags):
            raise SecureMessagingError("duplicate data objects in response")
        for tag, value, _ in body:
            if tag == DO_ENCRYPTED:
                if not value or value[0] != 0x01:
                    raise SecureMessagingError("DO'87 lacks the padding indicator 01")
                plain = self.decrypt(ssc, value[1:])
            elif tag == DO_ENCRYPTED_ODD:
                plain = self.decrypt(ssc, value)
            elif tag == DO_STATUS:
                if len(value) != 2:
                    raise SecureMessagingError("DO'99 is not two bytes")
                status = int.from_bytes(value, "big")
            else:
                raise SecureMessagingError(f"unexpected DO'{tag:02X} in response")
        if status is None:
            raise SecureMessagingError("response lacks DO'99")
        return plain, status
