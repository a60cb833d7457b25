"""`make run` as a newcomer uses it: on another port, from another folder.

The demo's pas.toml used to pin ``public_url = "http://127.0.0.1:5000"``, so on any other port
her receipt and the result page printed a /mijn-pas address that does not answer; ``make run
PORT=…`` was ignored; the printed ``demo-code`` hint failed outside the repository.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tokenservice import _cli, config
from tokenservice.web import wsgi


def test_make_run_honours_port_and_host() -> None:
    plan = subprocess.run(["make", "-n", "run", "PORT=5201", "HOST=127.0.0.2"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert "--host 127.0.0.2 --port 5201" in plan


def test_demo_prints_the_mijnpas_address_it_serves_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("PAS_PUBLIC_URL", "")  # recorded, so what serve sets is undone after
    monkeypatch.delenv("PAS_PUBLIC_URL")
    assert _cli.main(["--instance", str(instance), "init", "--demo"]) == 0
    served: dict[str, object] = {}
    monkeypatch.setattr(wsgi, "serve", lambda **kw: served.update(kw))
    assert _cli.main(["--instance", str(instance), "serve", "--port", "5201"]) == 0
    assert served["port"] == 5201
    # What the gunicorn workers load: the receipt, result page and leaflet print this address.
    settings = config.load(instance_dir=instance)
    assert settings.mijnpas_url == "http://127.0.0.1:5201/mijn-pas/"
    assert "http://127.0.0.1:5201/mijn-pas/" in capsys.readouterr().out


def test_a_configured_public_url_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    assert _cli.main(["--instance", str(instance), "init", "--demo"]) == 0
    monkeypatch.setenv("PAS_PUBLIC_URL", "https://pas.demogemeente.example")
    monkeypatch.setattr(wsgi, "serve", lambda **kw: None)
    assert _cli.main(["--instance", str(instance), "serve", "--port", "5201"]) == 0
    assert os.environ["PAS_PUBLIC_URL"] == "https://pas.demogemeente.example"


def test_the_printed_demo_code_hint_works_from_another_folder(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bin_dir = Path(sys.executable).parent
    said = subprocess.run([str(bin_dir / "pas-service"), "--instance", str(instance), "init", "--demo"],
                          cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    hint = next(line for line in said.splitlines() if "demo-code intake" in line)
    code = subprocess.run(shlex.split(hint), cwd=elsewhere, capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    assert code.stdout.strip().isdigit() and len(code.stdout.strip()) == 6
