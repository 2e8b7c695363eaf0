"""The real-media library fixture, for the tests of this package."""

from tests.realmedia_fixtures import real_library

__all__ = ["real_library"]
