"""twistd plugin ``revenge``; everything is imported lazily from ``revenge.tap``."""

from twisted.application.service import ServiceMaker

revenge = ServiceMaker(
    "Revenge",
    "revenge.tap",
    "A media streaming gateway: HLS through Blackbeard, range serving, sessions, metrics.",
    "revenge",
)
