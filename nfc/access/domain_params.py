"""PACE/CA standardized domain parameters by parameter id (re-exported from ``nfc.crypto.curves``)."""

from __future__ import annotations

from nfc.crypto.curves import DH_GROUPS, EC_CURVES, DhDomain, DomainParameters, EcDomain, domain_parameters

__all__ = ["DH_GROUPS", "EC_CURVES", "DhDomain", "DomainParameters", "EcDomain", "domain_parameters"]
