"""Fault injection for the virtual card: what real cards and readers do at the worst moment."""

from __future__ import annotations

from dataclasses import dataclass

from nfc.errors import NfcError


class FaultSpecError(NfcError):
    reason = "bad-fault-spec"
    hint = "Faults are comma-separated: remove-after=N, bad-mac-at=N, wrong-sw-at=N:6A80, plain-sw-at=N:6988, slow-ms=N"


@dataclass(frozen=True)
class FaultPlan:
    """Indexes count C-APDUs from power-on of the first session, starting at 1.

    - ``remove_after``: the card leaves the field instead of answering APDU N+1 (a card removal).
    - ``bad_mac_at``: the response to APDU N carries a corrupted MAC (DO'8E).
    - ``wrong_sw_at``: APDU N is answered with this status word (protected if SM is active).
    - ``plain_sw_at``: APDU N is answered with a *plain* status word while SM is active (SM abort).
    - ``slow_ms``: every APDU takes this much longer (a slow chip or a bad antenna coupling).
    """

    remove_after: int | None = None
    bad_mac_at: int | None = None
    wrong_sw_at: tuple[int, int] | None = None
    plain_sw_at: tuple[int, int] | None = None
    slow_ms: float = 0.0

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        values: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, _, raw = item.partition("=")
            try:
                if name == "remove-after":
                    values["remove_after"] = int(raw)
                elif name == "bad-mac-at":
                    values["bad_mac_at"] = int(raw)
                elif name in ("wrong-sw-at", "plain-sw-at"):
                    index, _, sw = raw.partition(":")
                    values[name.replace("-", "_")] = (int(index), int(sw, 16))
                elif name == "slow-ms":
                    values["slow_ms"] = float(raw)
                else:
                    raise FaultSpecError(f"unknown fault {name!r}")
            except ValueError:
                raise FaultSpecError(f"bad value in fault {item!r}") from None
        return cls(**values)  # type: ignore[arg-type]
