"""EF.SOD parsing: real specimen files, generated SODs, BER indefinite length, bad input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nfc.errors import ParseError
from nfc.lds.sod import parse_sod
from nfc.virtual.test_pki import generate_pki, sod_for

SPECIMENS = {
    "bsi2008": ("bsi2008/EF_SOD.bin", "sha1", (1, 2, 3, 14), "1.2.840.10045.4.1"),
    "loes2006": ("loes2006/ef011D.bin", "sha256", (1, 2, 15), "1.2.840.113549.1.1.11"),
    "hjp-rsapss": ("hjp-rsapss/EF_SOD.bin", "sha256", (1, 2, 3, 4, 14), "1.2.840.113549.1.1.10"),
}


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_specimen_sods_parse(shared_data: Path, name: str) -> None:
    path, digest, groups, sig_oid = SPECIMENS[name]
    sod = parse_sod((shared_data / "lds" / path).read_bytes())
    assert sod.digest_algorithm == digest
    assert sod.data_groups == groups
    assert sod.signature_algorithm == sig_oid
    assert sod.econtent_type == "2.23.136.1.1.1"
    assert sod.signed_attrs is not None and sod.signed_attrs[0] == 0xA0
    assert sod.signed_bytes[0] == 0x31 and sod.signed_bytes[1:] == sod.signed_attrs[1:]
    assert sod.signer_serial is not None and sod.signer_issuer is not None
    assert len(sod.certificates) == 1
    assert all(len(h) == {"sha1": 20, "sha256": 32}[digest] for h in sod.dg_hashes.values())


def test_pss_parameters_are_kept(shared_data: Path) -> None:
    sod = parse_sod((shared_data / "lds/hjp-rsapss/EF_SOD.bin").read_bytes())
    assert sod.signature_algorithm_params is not None and sod.signature_algorithm_params[0] == 0x30


def test_generated_sod_round_trip() -> None:
    groups = {1: b"\x61\x03abc", 13: b"\x6d\x02xy"}
    sod = parse_sod(sod_for(groups))
    assert sod.data_groups == (1, 13)
    assert sod.signing_time is not None
    pki = generate_pki("ec-p256")
    assert sod.certificates == (pki.dsc,)


def test_signer_by_subject_key_identifier() -> None:
    from nfc.virtual.test_pki import build_sod

    pki = generate_pki("ec-p256")
    sod = parse_sod(build_sod({1: b"\x61\x00"}, pki.dsc, pki.dsc_key, signer_by_ski=True))
    assert sod.signer_ski is not None and sod.signer_serial is None


def test_lds_v1_version_info() -> None:
    from nfc.virtual.test_pki import build_sod

    pki = generate_pki("ec-p256")
    sod = parse_sod(build_sod({1: b"\x61\x00"}, pki.dsc, pki.dsc_key, lds_version=("0108", "040000")))
    assert sod.lso_version == 1 and sod.lds_version == "0108" and sod.unicode_version == "040000"


def _indefinite(der: bytes, depth: int = 0) -> bytes:
    """Re-encode the outer constructed TLVs (ContentInfo, [0], SignedData, ...) with indefinite length
    (BER), as some issuers' SODs come (proxmark3 PR #1145)."""
    out = bytearray()
    i = 0
    while i < len(der):
        tag_start = i
        i += 1
        if der[tag_start] & 0x1F == 0x1F:
            while der[i] & 0x80:
                i += 1
            i += 1
        tag = der[tag_start:i]
        first = der[i]
        i += 1
        if first & 0x80:
            count = first & 0x7F
            length = int.from_bytes(der[i : i + count], "big")
            i += count
        else:
            length = first
        value = der[i : i + length]
        i += length
        if tag[0] & 0x20 and tag[0] != 0x77 and depth < 4:
            out += tag + b"\x80" + _indefinite(value, depth + 1) + b"\x00\x00"
        else:
            body = _indefinite(value, depth) if tag[0] == 0x77 else value
            out += tag + (b"\x82" + len(body).to_bytes(2, "big") if len(body) > 127 else bytes([len(body)])) + body
    return bytes(out)


def test_indefinite_length_ber_is_accepted() -> None:
    der = sod_for({1: b"\x61\x03abc"})
    ber = _indefinite(der)
    assert ber != der and b"\x30\x80" in ber
    sod = parse_sod(ber)
    assert sod.data_groups == (1,)
    assert sod.econtent == parse_sod(der).econtent
    assert sod.signed_attrs is not None


@pytest.mark.parametrize(
    "data",
    [b"", b"\x77", b"\x77\x00", b"\x30\x00", b"\x77\x03\x30\x01\x00", b"\x60\x02\x00\x00", b"\x77\x84\xff\xff\xff\xff"],
)
def test_bad_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_sod(data)


def test_trailing_bytes_rejected() -> None:
    with pytest.raises(ParseError):
        parse_sod(sod_for({1: b"\x61\x00"}) + b"\x00")


def test_huge_input_rejected_without_parsing() -> None:
    with pytest.raises(ParseError, match="too large"):
        parse_sod(b"\x77" + b"\x00" * (300 * 1024))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutations_never_crash(data: st.DataObject) -> None:
    raw = bytearray(sod_for({1: b"\x61\x03abc", 2: b"\x75\x01z"}))
    cut = data.draw(st.integers(0, len(raw)))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    for candidate in (bytes(raw), bytes(raw[:cut])):
        with contextlib.suppress(ParseError):
            parse_sod(candidate)


@pytest.mark.parametrize("oid", ["1.3.27.1.1.1", "1.2.528.1.1006.1.20.1", "1.2.840.113549.1.7.1"])
def test_legacy_econtent_types_are_accepted(oid: str) -> None:
    from nfc.virtual.test_pki import build_sod

    pki = generate_pki("ec-p256")
    sod = parse_sod(build_sod({1: b"\x61\x00"}, pki.dsc, pki.dsc_key, econtent_type=oid))
    assert sod.econtent_type == oid == sod.content_type_attr


def test_unknown_econtent_type_is_refused() -> None:
    from nfc.virtual.test_pki import build_sod

    pki = generate_pki("ec-p256")
    with pytest.raises(ParseError, match="not an LDS security object"):
        parse_sod(build_sod({1: b"\x61\x00"}, pki.dsc, pki.dsc_key, econtent_type="1.2.3.4"))
