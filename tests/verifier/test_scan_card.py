"""A phone photo of a printed card scans: issue 4's "Done when".

The service issues a pass (demo instance, so the card carries the DEMO watermark too),
the card PDF's back page is rasterised at 300 dpi, and bench/bench_scan.py's phone
simulation degrades it (the ``realistic`` setting, fixed seeds: perspective, rotation,
blur, noise, low contrast, uneven light, glare, JPEG). ``pas-verify check IMAGE
--photo-out F`` must say VALID and write exactly the thumbnail the token carries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench import bench_scan
from tokenservice.issue import flow
from tokenservice.issue.checklist import Checklist
from tokenservice.issue.passes import Official
from verifier.format import decode_qr_text
from verifier.photo import photo_file
from verifier.scan import read_qr_texts

ROOT = Path(__file__).resolve().parents[2]
ASTRONAUT = (ROOT / "tests" / "fixtures" / "astronaut.png").read_bytes()
#: Realistic photos checked in-process; the first goes through the real command.
PHOTOS = (0, 1, 2, 3, 4, 5)


def _pas_verify() -> list[str]:
    script = Path(sys.executable).parent / "pas-verify"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "verifier._cli"]


def _checklist() -> Checklist:
    import datetime as dt

    today = dt.date.today()
    return Checklist(
        birth_date=today.replace(year=today.year - 30, day=1).isoformat(),
        id_document_type="passport",
        id_valid_until=(today + dt.timedelta(days=400)).isoformat(),
        bsn="111222333", no_bsn_reason=None, kvk="12345678",
        work_location_known=True, housing_known=True, information_given=True, help_offered=True,
    )


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
def test_a_degraded_phone_photo_of_the_printed_card_verifies(app, client, tmp_path) -> None:
    svc = app.extensions["pas"]
    result = flow.issue(
        svc, iss="GM9999", checklist=_checklist(), category="raam", language="nl",
        photo_bytes=ASTRONAUT, official=Official("intake", "intake"), outputs=("card_pdf",),
    )
    assert result.cards.card_pdf is not None
    back = bench_scan.rasterize_back(result.cards.card_pdf)
    if back is None:  # no poppler: the QR region at the card's 300-dpi geometry
        back = bench_scan.qr_region_back(result.qr_text)
    else:
        # ID-1 at 300 dpi (pdftoppm rounds the 1011.02 px up)
        assert abs(back.shape[1] - bench_scan.CARD_MM[0] / 25.4 * 300) < 1.5

    photos = {i: bench_scan.phone_photo(back, "realistic", i) for i in PHOTOS}
    for i, jpeg in photos.items():
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and min(img.shape[:2]) > 500, i  # a photo, not the raster
        assert result.qr_text in read_qr_texts(jpeg), f"realistic photo {i} did not scan"

    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    (tmp_path / "trust-list.cose").write_bytes(client.get("/.well-known/pas/trust-list.cose").data)
    (tmp_path / "GM9999.cose").write_bytes(
        client.get("/.well-known/pas/revocations/GM9999.cose").data
    )
    image = tmp_path / "photo-of-card.jpg"
    image.write_bytes(photos[PHOTOS[0]])
    photo_out = tmp_path / "face.avif"
    run = subprocess.run(
        [*_pas_verify(), "check", str(image), "--anchor", anchor,
         "--trust-list", str(tmp_path / "trust-list.cose"),
         "--revocations", str(tmp_path / "GM9999.cose"),
         "--photo-out", str(photo_out), "--json"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    verdict = json.loads(run.stdout)
    assert verdict["status"] == "VALID"
    assert verdict["number"] == result.number
    _, claims = decode_qr_text(result.qr_text)
    # The very thumbnail the token carries, as the file a viewer opens (an av1 bitstream
    # gets its AVIF container rebuilt, docs/token-format.md).
    assert photo_out.read_bytes() == photo_file(claims.photo, claims.photo_type)[0]
    assert photo_out.stat().st_mode & 0o077 == 0  # a face: readable by the user only
