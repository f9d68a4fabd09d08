"""The staff desktop's local HTTP API for browser-based HIS pages (docs/local-api.md).

Wiring (the staff window does the same with its own ``ask_consent``)::

    token, created = PairingToken.load_or_create(data_dir)   # show token.reveal() to staff if created
    access = AccessControl(allowed_origins=["https://his.example"], token=token, consent=ask_consent)
    cards = CardService(PcscCardSource(), trust=TrustStore(trust_dir))
    server = LocalApiServer(cards, access, port=47800).start()
    ...
    cards.set_staff_key(CanKey("123456"))   # manual key entry in the staff window
    server.stop()
"""

from kiosk.localapi.cardservice import CardService, ConnectionFactorySource, PcscCardSource, ReaderStatus
from kiosk.localapi.errors import LocalApiError
from kiosk.localapi.events import ApiEvent, EventHub
from kiosk.localapi.security import AccessControl, ConsentCallback, PairingToken, normalize_origin
from kiosk.localapi.server import DEFAULT_PORT, LocalApiServer

__all__ = [
    "DEFAULT_PORT", "AccessControl", "ApiEvent", "CardService", "ConnectionFactorySource", "ConsentCallback",
    "EventHub", "LocalApiError", "LocalApiServer", "PairingToken", "PcscCardSource", "ReaderStatus",
    "normalize_origin",
]
