"""Build a virtual CCCD from a person record: every file the real card carries, a signed EF.SOD
(test CSCA → DSC), Chip Authentication and Active Authentication keys.

The default test citizen is invented (the ID number, name and addresses belong to nobody); it is
documented in docs/virtual-card.md so scripts and staff know what to expect.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date

import numpy as np
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from PIL import Image, ImageDraw

from nfc.lds.cardaccess import build_security_infos
from nfc.lds.com import EfCom, build_com
from nfc.lds.dg1 import build_dg1
from nfc.lds.dg2 import build_dg2
from nfc.lds.dg13 import VietnamPersonalData, build_dg13
from nfc.lds.dg14 import build_dg14
from nfc.lds.dg15 import build_dg15
from nfc.lds.mrz import format_cccd_td1
from nfc.lds.security_infos import (
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceInfo,
    TerminalAuthenticationInfo,
)
from nfc.virtual.card import CardContent, CardSecrets, CardSettings, VirtualCard, files_by_fid

OID_PACE_ECDH_GM_AES_128 = "0.4.0.127.0.7.2.2.4.2.2"
OID_CA_ECDH_AES_128 = "0.4.0.127.0.7.2.2.3.2.2"
OID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"
OID_TA = "0.4.0.127.0.7.2.2.2"
BRAINPOOL_P256R1_PARAM_ID = 13


@dataclass(frozen=True, repr=False)
class Citizen:
    id_number: str
    full_name: str  # upper case with diacritics, as printed
    date_of_birth: date
    sex: str  # "M" or "F"
    issue_date: date
    expiry_date: date | None  # None = lifetime card ("Không thời hạn", MRZ 991231)
    place_of_origin: str
    place_of_residence: str
    nationality: str = "Việt Nam"
    ethnicity: str = "Kinh"
    religion: str = "Không"
    identifying_marks: str = "Nốt ruồi C:1cm trên trước mép phải"
    father_name: str = ""
    mother_name: str = ""
    spouse_name: str | None = None
    old_id_number: str | None = None

    def __repr__(self) -> str:
        return "Citizen(<masked>)"

    @property
    def can(self) -> str:
        return self.id_number[-6:]

    @property
    def mrz_dates(self) -> tuple[str, str]:
        expiry = "991231" if self.expiry_date is None else self.expiry_date.strftime("%y%m%d")
        return self.date_of_birth.strftime("%y%m%d"), expiry

    def mrz_lines(self) -> tuple[str, str, str]:
        surname, _, given = self.full_name.partition(" ")
        dob, doe = self.mrz_dates
        return format_cccd_td1(self.id_number, dob, self.sex, doe, surname, given)

    def personal_data(self) -> VietnamPersonalData:
        def printed(d: date) -> str:
            return d.strftime("%d/%m/%Y")

        return VietnamPersonalData(
            id_number=self.id_number,
            full_name=self.full_name,
            date_of_birth=printed(self.date_of_birth),
            sex="Nam" if self.sex == "M" else "Nữ",
            nationality=self.nationality,
            ethnicity=self.ethnicity,
            religion=self.religion,
            place_of_origin=self.place_of_origin,
            place_of_residence=self.place_of_residence,
            identifying_marks=self.identifying_marks,
            issue_date=printed(self.issue_date),
            expiry_date="Không thời hạn" if self.expiry_date is None else printed(self.expiry_date),
            parents=(self.father_name, self.mother_name),
            spouse_name=self.spouse_name,
            old_id_number=self.old_id_number,
        )


DEFAULT_CITIZEN = Citizen(
    id_number="001090012345",
    full_name="NGUYỄN VĂN THỬ",
    date_of_birth=date(1990, 1, 1),
    sex="M",
    issue_date=date(2021, 4, 15),
    expiry_date=date(2030, 1, 1),
    place_of_origin="Xã Thử Nghiệm, Huyện Mẫu, Tỉnh Hà Tây",
    place_of_residence="Số 1 Phố Thử, Phường Mẫu, Quận Ba Đình, Hà Nội",
    father_name="NGUYỄN VĂN CHA",
    mother_name="TRẦN THỊ MẸ",
    old_id_number="012345678",
)


def synthetic_face_jpeg(seed: int = 7, size: tuple[int, int] = (360, 480), quality: int = 70) -> bytes:
    """A deterministic, obviously synthetic portrait (~20 KB JPEG like a real chip photo)."""
    width, height = size
    rng = np.random.default_rng(seed)
    background = rng.normal(225, 12, (height, width, 3)).clip(0, 255).astype("uint8")
    image = Image.fromarray(background, "RGB")
    draw = ImageDraw.Draw(image)
    cx, cy = width // 2, int(height * 0.45)
    draw.ellipse((cx - 110, cy - 150, cx + 110, cy + 150), fill=(224, 180, 150))  # face
    draw.ellipse((cx - 125, cy - 175, cx + 125, cy - 40), fill=(40, 30, 25))  # hair
    for dx in (-45, 45):
        draw.ellipse((cx + dx - 18, cy - 25, cx + dx + 18, cy - 5), fill=(250, 250, 250))
        draw.ellipse((cx + dx - 7, cy - 22, cx + dx + 7, cy - 8), fill=(30, 20, 15))
    draw.line((cx, cy, cx - 8, cy + 45, cx + 8, cy + 48), fill=(180, 130, 110), width=3)
    draw.arc((cx - 45, cy + 55, cx + 45, cy + 95), 10, 170, fill=(150, 60, 60), width=4)
    draw.rectangle((cx - 150, cy + 150, cx + 150, height), fill=(30, 60, 120))  # shirt
    texture = rng.normal(0, 5, (height, width, 3))
    pixels = (np.asarray(image, dtype="float32") + texture).clip(0, 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _derived_ec_key(seed: bytes, label: bytes, curve: ec.EllipticCurve, order: int) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha512(seed + label).digest(), "big") % (order - 1) + 1
    return ec.derive_private_key(scalar, curve)


BRAINPOOL_P256R1_ORDER = 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7


@dataclass
class VirtualCccd:
    """A built card: the applet inputs plus what a test or the demo needs to know about it."""

    citizen: Citizen
    content: CardContent
    secrets: CardSecrets
    settings: CardSettings

    def card(self, **kwargs: object) -> VirtualCard:
        return VirtualCard(self.content, self.secrets, self.settings, **kwargs)  # type: ignore[arg-type]

    @property
    def mrz(self) -> tuple[str, str, str]:
        return self.citizen.mrz_lines()

    def file(self, name: str) -> bytes:
        from nfc.lds.files import by_name

        return self.content.files[by_name(name).fid]


def build_card(
    citizen: Citizen = DEFAULT_CITIZEN,
    *,
    seed: bytes = b"cccd-kiosk virtual card",
    settings: CardSettings | None = None,
    cloned: bool = False,
    face_jpeg: bytes | None = None,
    pki_kind: str = "ec-p256",
) -> VirtualCccd:
    """Every file of a CCCD for ``citizen``. ``cloned`` copies the data but not the chip's private keys
    (what a cloned chip looks like: PA passes, CA and AA must fail)."""
    from nfc.virtual.test_pki import sod_for

    ca_key = _derived_ec_key(seed, b"chip-authentication", ec.BrainpoolP256R1(), BRAINPOOL_P256R1_ORDER)
    aa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ca_spki = ca_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    aa_spki = aa_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    card_access = build_security_infos([
        TerminalAuthenticationInfo(OID_TA, 1),
        ChipAuthenticationInfo(OID_CA_ECDH_AES_128, 1, None),
        PaceInfo(OID_PACE_ECDH_GM_AES_128, 2, BRAINPOOL_P256R1_PARAM_ID),
    ])
    face = face_jpeg if face_jpeg is not None else synthetic_face_jpeg()
    with Image.open(io.BytesIO(face)) as decoded:
        width, height = decoded.size
    files = {
        "DG1": build_dg1(citizen.mrz_lines()),
        "DG2": build_dg2(face, "jpeg", width, height),
        "DG3": bytes.fromhex("630B") + b"\x5f\x2e\x08" + b"LOCKED!!",  # present but EAC-protected
        "DG13": build_dg13(citizen.personal_data()),
        "DG14": build_dg14([
            ChipAuthenticationPublicKeyInfo(OID_PK_ECDH, ca_spki, None),
            ChipAuthenticationInfo(OID_CA_ECDH_AES_128, 1, None),
        ]),
        "DG15": build_dg15(aa_spki),
    }
    files["COM"] = build_com(EfCom("0107", "040000", (0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F)))
    data_groups = {int(name[2:]): data for name, data in files.items() if name.startswith("DG")}
    files["SOD"] = sod_for(data_groups, pki_kind)
    dob, doe = citizen.mrz_dates
    mrz_information = citizen.id_number[3:] + _cd(citizen.id_number[3:]) + dob + _cd(dob) + doe + _cd(doe)
    secrets = CardSecrets(
        mrz_information=mrz_information,
        can=citizen.can,
        chip_auth_private_key=None if cloned else ca_key,
        active_auth_private_key=None if cloned else aa_key,
    )
    content = CardContent(files=files_by_fid(files), card_access=card_access)
    return VirtualCccd(citizen, content, secrets, settings or CardSettings())


def _cd(text: str) -> str:
    from nfc.mrzcheck import check_digit

    return check_digit(text)
