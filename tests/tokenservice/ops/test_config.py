"""Configuration: pas.toml read once (tokenservice/config.py), one precedence rule.

environment (PAS_*) > pas.toml [issuer.GMxxxx] > pas.toml top level / [escrow] > default,
as config.py's docstring and docs/configuration.md state it (issue 13).
"""

from __future__ import annotations

import pytest

from tokenservice import config, escrow
from tokenservice.ops.instance import DEMO_ISS, init_instance

SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


@pytest.fixture
def demo(instance):  # type: ignore[no-untyped-def]
    """The demo instance as `pas-service init --demo` makes it: its issuer under policy escrow."""
    init_instance(instance.path, demo=True, database_url=instance.database_url, migrate_db=False,
                  demo_escrow=True)
    assert 'registration_policy = "escrow"' in (instance.path / "pas.toml").read_text()
    return instance


@SQLITE_ONLY
def test_the_issuer_section_wins_over_the_default(demo) -> None:  # type: ignore[no-untyped-def]
    settings = config.load(env={}, instance_dir=demo.path)
    assert settings.issuers[DEMO_ISS].registration_policy == "escrow"
    assert escrow.policy_for(settings, DEMO_ISS) == "escrow"


@SQLITE_ONLY
@pytest.mark.parametrize("policy", ["none", "escrow"])
def test_the_environment_wins_over_the_issuer_section(demo, policy: str) -> None:  # type: ignore[no-untyped-def]
    settings = config.load(env={"PAS_REGISTRATION_POLICY": policy}, instance_dir=demo.path)
    assert settings.issuers[DEMO_ISS].registration_policy == policy
    assert escrow.policy_for(settings, DEMO_ISS) == policy


@SQLITE_ONLY
def test_policy_none_from_the_environment_switches_the_demo_intake(demo) -> None:  # type: ignore[no-untyped-def]
    """What docs/configuration.md promises: PAS_REGISTRATION_POLICY=none, nothing is asked or kept."""
    from tokenservice.web.app import create_app

    settings = config.load(env={"PAS_REGISTRATION_POLICY": "none"}, instance_dir=demo.path,
                           database_url=demo.database_url, secure_cookies=False)
    app = create_app(settings)
    try:
        assert escrow.policy_for(app.extensions["pas"].settings, DEMO_ISS) == "none"
    finally:
        app.extensions["pas"].db.dispose()


def test_an_unknown_policy_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(config.ConfigError, match="PAS_REGISTRATION_POLICY"):
        config.load(env={"PAS_REGISTRATION_POLICY": "some"}, instance_dir=tmp_path)


def test_escrow_settings_come_from_the_one_loader(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pas.toml").write_text("[escrow]\ngrace_days = 30\ntwo_person = true\n")
    settings = config.load(env={}, instance_dir=tmp_path)
    assert escrow.config_for(settings).grace_days == 30 and escrow.config_for(settings).two_person
    settings = config.load(env={"PAS_ESCROW_GRACE_DAYS": "10", "PAS_ESCROW_TWO_PERSON": "0"},
                           instance_dir=tmp_path)
    assert escrow.config_for(settings).grace_days == 10 and not escrow.config_for(settings).two_person
    # Changing pas.toml later changes nothing until the next start.
    (tmp_path / "pas.toml").write_text("[escrow]\ngrace_days = 5\n")
    assert escrow.config_for(settings).grace_days == 10
