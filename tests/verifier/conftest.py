"""Fixtures and hypothesis profiles for the verifier tests.

Profiles: ``fast`` (the default here: hypothesis's usual 100 examples, no deadline,
because other work shares this machine) and ``long`` (many examples, for
``make fuzz``: ``pytest tests/verifier/test_fuzz.py --hypothesis-profile=long``).
HYPOTHESIS_PROFILE=long in the environment does the same for any selection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from pas_support import NOW, Site, World

settings.register_profile("fast", deadline=None, print_blob=True)
settings.register_profile(
    "long",
    max_examples=5_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pytest_configure(config: pytest.Config) -> None:
    # A profile chosen on the command line wins; otherwise the environment, else fast.
    if settings.get_current_profile_name() == "default":
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(scope="session")
def world() -> World:
    return World()


@pytest.fixture(scope="session")
def now() -> int:
    return NOW


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The exported app and its lists on a local static server, for one test module."""
    s = Site(tmp_path_factory.mktemp("site"))
    s.build()
    s.serve()
    yield s
    assert s.server is not None
    s.server.shutdown()
    s.server.server_close()
