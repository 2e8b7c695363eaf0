"""The embedded Blackbeard: a transcoder that runs ffmpeg and serves the Blackbeard contract.

``make_transcoder_service`` builds it with its listener; ``TranscoderService`` and
``build_app`` are the parts, for a caller that listens on its own.
"""

from revenge.transcoder.app import build_app
from revenge.transcoder.embed import BlackbeardService, make_transcoder_service
from revenge.transcoder.manager import Busy, TranscoderService
from revenge.transcoder.pacing import Pacing

__all__ = ["BlackbeardService", "Busy", "Pacing", "TranscoderService", "build_app",
           "make_transcoder_service"]
