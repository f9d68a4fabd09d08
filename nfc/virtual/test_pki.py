"""A test PKI for the virtual card: CSCA → DSC, and a real EF.SOD builder.

Keys are derived from a seed (EC) or generated once per process and cached (RSA), so the virtual card,
tests and benchmarks get a working chain without files. Certificates carry the ICAO profile
(key usage, basic constraints, SKI/AKI); EC keys can be written with *explicit* domain parameters, as
ICAO 9303-12 mandates and real CSCAs do, to exercise the verifier's named-curve rebuild.
This is test material: never trust these CSCAs outside tests and the demo.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import algos, cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from nfc.lds.sod import ID_LDS_SECURITY_OBJECT, LdsSecurityObject
from nfc.verify.algorithms import digest as hash_bytes
from nfc.verify.algorithms import hash_algorithm
from nfc.verify.certs import named_curves

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_EC_CURVES: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
}
#: signer kinds: "ec-p256", "ec-bp384" (named), "ec-bp384-explicit", "rsa-2048", "rsa-pss-2048"
KINDS = ("ec-p256", "ec-bp384", "ec-bp384-explicit", "rsa-2048", "rsa-pss-2048")

CSCA_VALIDITY = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2044, 1, 1, tzinfo=UTC))
DSC_VALIDITY = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class TestPki:
    kind: str
    csca: bytes = field(repr=False)  # DER certificate
    csca_key: PrivateKey = field(repr=False)
    dsc: bytes = field(repr=False)
    dsc_key: PrivateKey = field(repr=False)
    pss: bool = False

    def build_sod(self, data_groups: Mapping[int, bytes], digest: str = "sha256") -> bytes:
        """EF.SOD over ``data_groups`` signed by this PKI's DSC."""
        return build_sod(data_groups, self.dsc, self.dsc_key, digest, pss=self.pss)


#: what the virtual card uses: brainpoolP384r1 with explicit parameters, like real CSCAs
DEFAULT_KIND = "ec-bp384-explicit"


def default_test_pki() -> TestPki:
    return generate_pki(DEFAULT_KIND)


def ec_key_from_seed(seed: bytes, curve: str = "secp256r1") -> ec.EllipticCurvePrivateKey:
    """A deterministic EC private key (test material only)."""
    order = next(c.n for c in named_curves() if c.name == curve)
    scalar = int.from_bytes(hash_bytes("sha512", b"cccd-kiosk test pki|" + seed), "big") % (order - 1) + 1
    return ec.derive_private_key(scalar, _EC_CURVES[curve])


@functools.cache
def _rsa_key(label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def spki_der(key: PrivateKey, *, explicit: bool = False) -> bytes:
    """SubjectPublicKeyInfo; with ``explicit`` the EC domain parameters are spelled out."""
    public = key.public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if not explicit or not isinstance(public, ec.EllipticCurvePublicKey):
        return der
    return explicit_ec_spki(der)


def explicit_ec_spki(named_spki: bytes) -> bytes:
    """Rewrite a named-curve EC SubjectPublicKeyInfo with explicit domain parameters (ICAO style)."""
    info = asn1_keys.PublicKeyInfo.load(named_spki)
    oid = info["algorithm"]["parameters"].chosen.dotted
    curve = next(c for c in named_curves() if c.oid == oid)
    size = (curve.p.bit_length() + 7) // 8
    specified = asn1_keys.SpecifiedECDomain(
        {
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": curve.p},
            "curve": {"a": curve.a.to_bytes(size, "big"), "b": curve.b.to_bytes(size, "big")},
            "base": b"\x04" + curve.gx.to_bytes(size, "big") + curve.gy.to_bytes(size, "big"),
            "order": curve.n,
            "cofactor": 1,
        }
    )
    return bytes(
        asn1_keys.PublicKeyInfo(
            {
                "algorithm": {
                    "algorithm": "ec",
                    "parameters": asn1_keys.ECDomainParameters(name="specified", value=specified),
                },
                "public_key": bytes(info["public_key"].native),
            }
        ).dump()
    )


def _sig_algorithm(key: PrivateKey, digest: str, pss: bool) -> algos.SignedDigestAlgorithm:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    if pss:
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": digest},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": digest}},
                "salt_length": hash_algorithm(digest).digest_size,
            }
        )
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params})
    return algos.SignedDigestAlgorithm({"algorithm": f"{digest}_rsa"})


def sign(key: PrivateKey, data: bytes, digest: str = "sha256", *, pss: bool = False) -> bytes:
    h = hash_algorithm(digest)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(h, deterministic_signing=True))
    if pss:
        return key.sign(data, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    return key.sign(data, padding.PKCS1v15(), h)


def _name(common_name: str) -> asn1_x509.Name:
    return asn1_x509.Name.build(
        {"country_name": "VN", "organization_name": "cccd-kiosk test", "common_name": common_name}
    )


def _key_id(spki: bytes) -> bytes:
    info = asn1_keys.PublicKeyInfo.load(spki)
    return hash_bytes("sha1", bytes(info["public_key"].contents))


def build_certificate(
    *,
    subject: str,
    issuer: str,
    subject_spki: bytes,
    issuer_key: PrivateKey,
    issuer_spki: bytes,
    serial: int,
    validity: tuple[datetime, datetime],
    ca: bool,
    digest: str = "sha256",
    pss: bool = False,
) -> bytes:
    """One X.509 v3 certificate with the ICAO CSCA/DSC extensions, signed by ``issuer_key``."""
    algorithm = _sig_algorithm(issuer_key, digest, pss)
    extensions = [
        {
            "extn_id": "key_usage",
            "critical": True,
            "extn_value": asn1_x509.KeyUsage({"key_cert_sign", "crl_sign"} if ca else {"digital_signature"}),
        },
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(subject_spki)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _key_id(issuer_spki)},
        },
    ]
    if ca:
        extensions.append(
            {
                "extn_id": "basic_constraints",
                "critical": True,
                "extn_value": {"ca": True, "path_len_constraint": 0},
            }
        )
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": algorithm,
            "issuer": _name(issuer),
            "validity": {
                "not_before": asn1_x509.Time({"utc_time": validity[0]}),
                "not_after": asn1_x509.Time({"general_time": validity[1]}),
            },
            "subject": _name(subject),
            "subject_public_key_info": asn1_keys.PublicKeyInfo.load(subject_spki),
            "extensions": extensions,
        }
    )
    signature = sign(issuer_key, tbs.dump(), digest, pss=pss)
    cert = asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": algorithm, "signature_value": signature}
    )
    return bytes(cert.dump())


@functools.cache
def generate_pki(kind: str = "ec-p256", seed: bytes = b"virtual-card") -> TestPki:
    """CSCA → DSC for ``kind`` (see ``KINDS``). Cached per process."""
    if kind not in KINDS:
        raise ValueError(f"unknown test PKI kind {kind!r}")
    pss = kind.startswith("rsa-pss")
    explicit = kind.endswith("-explicit")
    key: PrivateKey
    csca_key: PrivateKey
    if kind.startswith("rsa"):
        csca_key, key = _rsa_key(f"{kind}|{seed!r}|csca"), _rsa_key(f"{kind}|{seed!r}|dsc")
    else:
        curve = "secp256r1" if kind == "ec-p256" else "brainpoolP384r1"
        csca_key = ec_key_from_seed(seed + b"|csca|" + kind.encode(), curve)
        key = ec_key_from_seed(seed + b"|dsc|" + kind.encode(), curve)
    csca_spki = spki_der(csca_key, explicit=explicit)
    dsc_spki = spki_der(key, explicit=explicit)
    csca_name = f"CSCA TEST {kind}"
    csca = build_certificate(
        subject=csca_name,
        issuer=csca_name,
        subject_spki=csca_spki,
        issuer_key=csca_key,
        issuer_spki=csca_spki,
        serial=1,
        validity=CSCA_VALIDITY,
        ca=True,
        pss=pss,
    )
    dsc = build_certificate(
        subject=f"DS TEST {kind}",
        issuer=csca_name,
        subject_spki=dsc_spki,
        issuer_key=csca_key,
        issuer_spki=csca_spki,
        serial=0x1001,
        validity=DSC_VALIDITY,
        ca=False,
        pss=pss,
    )
    return TestPki(kind, csca, csca_key, dsc, key, pss)


def _tag77(body: bytes) -> bytes:
    """Wrap in the EF.SOD application tag 77 (definite length)."""
    value = core.ParsableOctetString(body)
    value.tag, value.class_ = 23, 1  # [APPLICATION 23], constructed
    value.method = 1
    header_len = len(value.dump()) - len(body)
    return b"\x77" + bytes(value.dump())[1:header_len] + body


def build_sod(
    data_groups: Mapping[int, bytes],
    dsc: bytes,
    dsc_key: PrivateKey,
    digest: str = "sha256",
    *,
    pss: bool = False,
    signer_by_ski: bool = False,
    lds_version: tuple[str, str] | None = None,
    signing_time: datetime | None = None,
    econtent_type: str = ID_LDS_SECURITY_OBJECT,
) -> bytes:
    """A real EF.SOD (tag 77, CMS SignedData over an LDSSecurityObject) for ``data_groups``
    (number → the DG's bytes as the card stores them, tag and length included)."""
    lso_fields: dict[str, object] = {
        "version": 1 if lds_version else 0,
        "hash_algorithm": {"algorithm": digest},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": hash_bytes(digest, data)}
            for n, data in sorted(data_groups.items())
        ],
    }
    if lds_version:
        lso_fields["lds_version_info"] = {"lds_version": lds_version[0], "unicode_version": lds_version[1]}
    econtent = bytes(LdsSecurityObject(lso_fields).dump())
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [econtent_type]},
            {
                "type": "signing_time",
                "values": [cms.Time({"utc_time": signing_time or datetime(2025, 6, 1, tzinfo=UTC)})],
            },
            {"type": "message_digest", "values": [hash_bytes(digest, econtent)]},
        ]
    )
    signed_attrs = bytes(attrs.dump())  # SET OF (0x31): exactly what the signature covers
    cert = asn1_x509.Certificate.load(dsc)
    if signer_by_ski:
        sid = cms.SignerIdentifier(name="subject_key_identifier", value=cert.key_identifier)
    else:
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": cert.issuer, "serial_number": cert.serial_number},
        )
    signer = cms.SignerInfo(
        {
            "version": "v3" if signer_by_ski else "v1",
            "sid": sid,
            "digest_algorithm": {"algorithm": digest},
            "signed_attrs": cms.CMSAttributes.load(signed_attrs),
            "signature_algorithm": _sig_algorithm(dsc_key, digest, pss),
            "signature": sign(dsc_key, signed_attrs, digest, pss=pss),
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest}],
            "encap_content_info": {"content_type": econtent_type, "content": econtent},
            "certificates": [cert],
            "signer_infos": [signer],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    return _tag77(bytes(info.dump()))


def sod_for(data_groups: Mapping[int, bytes], kind: str = "ec-p256", digest: str = "sha256") -> bytes:
    """Convenience: EF.SOD signed by the cached test DSC of ``kind``."""
    pki = generate_pki(kind)
    return build_sod(data_groups, pki.dsc, pki.dsc_key, digest, pss=pki.pss)


def build_crl(
    csca: bytes,
    csca_key: PrivateKey,
    revoked_serials: tuple[int, ...] = (),
    *,
    this_update: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    next_update: datetime = datetime(2036, 1, 1, tzinfo=UTC),
) -> bytes:
    """A CRL from the test CSCA listing ``revoked_serials``."""
    from cryptography import x509

    issuer = x509.load_der_x509_certificate(csca)
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.AuthorityKeyIdentifier(ski.digest, None, None), critical=False)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(this_update).build()
        )
    return builder.sign(csca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
