"""twistd plugin ``blackbeard``; everything is imported lazily from ``revenge.transcoder.tap``."""

from twisted.application.service import ServiceMaker

blackbeard = ServiceMaker(
    "Blackbeard",
    "revenge.transcoder.tap",
    "The Blackbeard transcoder: HLS renditions made by ffmpeg, paced by demand.",
    "blackbeard",
)
