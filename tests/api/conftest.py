"""The public API in memory: ``revenge.testing.AppHarness`` over a small prepared library."""

from __future__ import annotations

import pytest

from revenge.testing import AppHarness, Client
from tests.api.support import LIBRARY


@pytest.fixture
def harness() -> AppHarness:
    """The app over ``LIBRARY``, default settings."""
    return AppHarness(records=LIBRARY)


@pytest.fixture
def alice(harness: AppHarness) -> Client:
    """A viewer."""
    return harness.new_user("alice")


@pytest.fixture
def bob(harness: AppHarness) -> Client:
    """Another viewer."""
    return harness.new_user("bob")


@pytest.fixture
def admin(harness: AppHarness) -> Client:
    """An admin."""
    return harness.new_user("root", admin=True)
