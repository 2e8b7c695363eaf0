"""In-memory fakes for testing Revenge, and code built on it, without processes or sockets.

Like ``treq.testing``: ``AppHarness`` runs the real public app on ``StubTreq``, over
``MemoryStore`` (an ``IStore``), ``FakeTranscoder`` (an ``ITranscoder``), ``InlineProbe``
(an ``IProbe``) and ``InlineThreadsClock`` (a ``Clock`` whose thread pool runs work inline);
``revenge.testing.media`` makes media records without files. Each fake passes
``verifyObject`` for its interface and can be used on its own.
"""

from revenge.testing.client import Answer, Client
from revenge.testing.harness import AppHarness
from revenge.testing.probe import InlineProbe
from revenge.testing.reactor import InlineThreadsClock
from revenge.testing.store import MemoryStore
from revenge.testing.transcoder import FakeTranscoder, segment_body

__all__ = ["Answer", "AppHarness", "Client", "FakeTranscoder", "InlineProbe",
           "InlineThreadsClock", "MemoryStore", "segment_body"]
