"""Test material for the verifier tests: fixed keys, a fixed clock, pass and list factories.

Everything here goes through the public format API (verifier.format); nothing
re-implements the wire format. Keys are derived from labels, so every run signs
the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import nacl.signing

from verifier import TrustStore, _base45, _cbor
from verifier.format import (
    DEFAULT_CATEGORIES,
    DEFAULT_VALIDITY_SECONDS,
    QR_PREFIX,
    Category,
    IssuerEntry,
    Pass,
    RevocationList,
    Sign1,
    TrustList,
    kid_for,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400
YEAR = 365 * DAY


@functools.cache
def make_vectors() -> ModuleType:
    """scripts/make_vectors.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "make_vectors.py"
    spec = importlib.util.spec_from_file_location("make_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_vectors", module)
    spec.loader.exec_module(module)
    return module


def photo_av1() -> bytes:
    """The vectors' 337-byte colour av1 photo (what passes are issued with, ADR 0018)."""
    data: bytes = make_vectors().PHOTO_AV1
    return data


def photo_avif() -> bytes:
    """The 521-byte AVIF file of a synthetic face (pt image/avif, still valid)."""
    data: bytes = make_vectors().PHOTO_AVIF
    return data


def key(label: str) -> nacl.signing.SigningKey:
    """A fixed-seed key (the vector generator's derivation; one place for it)."""
    signing_key: nacl.signing.SigningKey = make_vectors().key(f"tests/{label}")
    return signing_key


def serial(label: str) -> bytes:
    data: bytes = make_vectors().serial(f"tests/{label}")
    return data


def number(prefix: str, label: str) -> str:
    text: str = make_vectors().number(prefix, f"tests/{label}")
    return text


def pub(signing_key: nacl.signing.SigningKey) -> bytes:
    return bytes(signing_key.verify_key)


def qr(cose: bytes) -> str:
    """QR text for arbitrary COSE bytes (valid or not)."""
    return QR_PREFIX + _base45.encode(cose)


def cose_of(qr_text: str) -> bytes:
    """The COSE bytes inside QR text."""
    assert qr_text.startswith(QR_PREFIX)
    return _base45.decode(qr_text[len(QR_PREFIX) :])


def sign_claims(claims: dict[Any, Any], signer: nacl.signing.SigningKey) -> str:
    """Correctly sign any claims map, bypassing Pass's own checks (for hostile cases)."""
    return qr(Sign1.sign(_cbor.encode(claims), signer).to_bytes())


def claims_of(p: Pass) -> dict[Any, Any]:
    claims = _cbor.decode(p.to_payload())
    assert isinstance(claims, dict)
    return claims


ASSEN_CATEGORIES = (
    Category(code="thuis", label="Thuiswerk", color="#F2C14E"),
    Category(code="inrichting", label="Groen", color="#2E9E4F"),
)


@dataclasses.dataclass(frozen=True)
class World:
    """Two municipalities, a trust anchor and a stranger, at a fixed clock.

    ``store()`` with no arguments is the happy path: both issuers listed, both with
    a current revocation list (Groningen's revokes ``serial("revoked")``), so a
    default pass verifies VALID with no warnings.
    """

    anchor: nacl.signing.SigningKey = dataclasses.field(default_factory=lambda: key("anchor"))
    groningen: nacl.signing.SigningKey = dataclasses.field(default_factory=lambda: key("GM0014"))
    assen: nacl.signing.SigningKey = dataclasses.field(default_factory=lambda: key("GM0106"))
    stranger: nacl.signing.SigningKey = dataclasses.field(default_factory=lambda: key("stranger"))

    # --- trust list -----------------------------------------------------------------

    def entry(
        self,
        signing_key: nacl.signing.SigningKey | None = None,
        *,
        iss: str = "GM0014",
        name: str = "Gemeente Groningen",
        nbf: int = NOW - 4 * YEAR,
        exp: int = NOW + 4 * YEAR,
        categories: tuple[Category, ...] = DEFAULT_CATEGORIES,
    ) -> IssuerEntry:
        signing_key = self.groningen if signing_key is None else signing_key
        return IssuerEntry(
            iss=iss, name=name, public_key=pub(signing_key), nbf=nbf, exp=exp, categories=categories
        )

    def assen_entry(self) -> IssuerEntry:
        return self.entry(
            self.assen, iss="GM0106", name="Gemeente Assen", categories=ASSEN_CATEGORIES
        )

    def entries(self) -> tuple[IssuerEntry, ...]:
        return (self.entry(), self.assen_entry())

    def trust_list(
        self,
        entries: Sequence[IssuerEntry] | None = None,
        *,
        seq: int = 1,
        iat: int = NOW - DAY,
        exp: int = NOW + 30 * DAY,
        signer: nacl.signing.SigningKey | None = None,
    ) -> bytes:
        issuers = tuple(self.entries() if entries is None else entries)
        return TrustList(seq=seq, iat=iat, exp=exp, issuers=issuers).sign(
            self.anchor if signer is None else signer
        )

    def revocations(
        self,
        serials: Iterable[bytes] = (),
        *,
        iss: str = "GM0014",
        seq: int = 1,
        iat: int = NOW - 3600,
        exp: int = NOW + 7 * DAY,
        signer: nacl.signing.SigningKey | None = None,
    ) -> bytes:
        if signer is None:
            signer = self.groningen if iss == "GM0014" else self.assen
        return RevocationList.build(iss=iss, seq=seq, iat=iat, exp=exp, serials=list(serials)).sign(
            signer
        )

    def default_revocations(self, entries: Sequence[IssuerEntry] | None = None) -> list[bytes]:
        """Current lists for the listed issuers; Groningen's revokes ``serial("revoked")``."""
        kids = {e.kid for e in (self.entries() if entries is None else entries)}
        lists = []
        if self.kid(self.groningen) in kids:
            lists.append(self.revocations([serial("revoked")]))
        if self.kid(self.assen) in kids:
            lists.append(self.revocations(iss="GM0106"))
        return lists

    def store(
        self,
        entries: Sequence[IssuerEntry] | None = None,
        revocations: Sequence[bytes] | None = None,
        **trust_list: Any,
    ) -> TrustStore:
        return TrustStore.from_bytes(
            pub(self.anchor),
            self.trust_list(entries, **trust_list),
            self.default_revocations(entries) if revocations is None else revocations,
        )

    # --- passes ---------------------------------------------------------------------

    def make_pass(self, label: str = "pass", **overrides: Any) -> Pass:
        iat = overrides.pop("iat", NOW - 10 * DAY)
        fields: dict[str, Any] = {
            "iss": "GM0014",
            "number": number("GR", label),
            "category": "raam",
            "serial": serial(label),
            "iat": iat,
            "nbf": iat,
            "exp": iat + DEFAULT_VALIDITY_SECONDS,
            "photo": photo_avif(),
            "photo_type": "image/avif",
        }
        fields.update(overrides)
        return Pass(**fields)

    def issue(
        self,
        label: str = "pass",
        *,
        signer: nacl.signing.SigningKey | None = None,
        **overrides: Any,
    ) -> str:
        """QR text of a pass signed by ``signer`` (default: Groningen's key)."""
        return self.make_pass(label, **overrides).sign(self.groningen if signer is None else signer)

    def kid(self, signing_key: nacl.signing.SigningKey) -> bytes:
        return kid_for(pub(signing_key))


# --- the exported web app and its lists on a local static server ---------------------------


def service_csp() -> str:
    """The service's Content-Security-Policy for its pages (no inline script or style, no
    other host); the app must work under it exactly as the service serves /verify/."""
    try:
        from tokenservice.web.app import CSP
    except ImportError:  # the verifier alone, without the service's dependencies
        return (
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
            "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
    return CSP


class Site:
    """The exported app and the published lists on a local static server."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lists = root / ".well-known" / "pas"
        self.t = int(time.time())
        self.world = World()
        self.passes: dict[str, str] = {}
        self.hits: list[str] = []
        #: When set, the server answers nothing (the connection drops): no network at all.
        #: Playwright's set_offline does not cover a service worker's own fetches.
        self.unreachable = False
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/verify/"

    def trust_list(self, seq: int) -> bytes:
        w, t, year = self.world, self.t, 365 * DAY
        groningen = w.entry(nbf=t - 4 * year, exp=t + 4 * year)
        assen = w.entry(
            w.assen,
            iss="GM0106",
            name="Gemeente Assen",
            nbf=t - 4 * year,
            exp=t + 4 * year,
            categories=(
                Category("thuis", "Thuiswerk", "#F2C14E"),
                Category("inrichting", "Groen", "#2E9E4F"),
            ),
        )
        return w.trust_list([groningen, assen], seq=seq, iat=t - DAY, exp=t + 30 * DAY)

    def build(self) -> None:
        from verifier.webapp import export_app

        w, t = self.world, self.t
        (self.lists / "revocations").mkdir(parents=True)
        (self.lists / "trust-list.cose").write_bytes(self.trust_list(seq=5))
        (self.lists / "revocations" / "GM0014.cose").write_bytes(
            w.revocations([serial("revoked")], seq=3, iat=t - 3600, exp=t + 2 * DAY)
        )
        (self.lists / "revocations" / "GM0106.cose").write_bytes(
            w.revocations(iss="GM0106", seq=1, iat=t - 3600, exp=t + 2 * DAY)
        )
        (self.lists / "issuers.json").write_text(json.dumps(["GM0014", "GM0106"]))
        anchor = bytes(w.anchor.verify_key).hex()
        (self.lists / "anchor.pub").write_text(anchor + "\n")
        export_app(self.root / "verify", anchor_hex=anchor, lists_url="../.well-known/pas/")

        valid = w.issue("valid", iat=t - 10 * DAY)
        cose = bytearray(_base45.decode(valid[len(QR_PREFIX) :]))
        photo = photo_avif()
        cose[bytes(cose).find(photo) + len(photo) // 2] ^= 0x10  # one bit of the photo
        self.passes = {
            "valid": valid,
            "expires-soon": w.issue("soon", iat=t - 700 * DAY),
            # av1 photos (docs/token-format.md §6.1), colour and grey: the app shows
            # the AVIF file it rebuilds, decoded by Chromium (naturalWidth > 0).
            "green": w.issue(
                "green", iat=t - 10 * DAY, category="inrichting", photo=photo_av1(),
                photo_type="av1",
            ),
            "assen": w.issue(
                "assen",
                iat=t - 10 * DAY,
                iss="GM0106",
                category="thuis",
                signer=w.assen,
                number=number("AS", "assen"),
                photo=make_vectors().PHOTO_AV1_GREY,
                photo_type="av1",
            ),
            "expired": w.issue("expired", iat=t - 800 * DAY),
            "revoked": w.issue("revoked", iat=t - 10 * DAY),
            "tampered": QR_PREFIX + _base45.encode(bytes(cose)),
            "unknown-issuer": w.issue("stranger", iat=t - 10 * DAY, signer=w.stranger),
            "not-yet-valid": w.issue("later", iat=t + 7 * DAY),
            "malformed": "PAS1:THIS-IS-NOT-A-PASS",
        }

    def serve(self) -> None:
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map: ClassVar[dict[str, str]] = {
                **http.server.SimpleHTTPRequestHandler.extensions_map,
                ".js": "text/javascript",
                ".wasm": "application/wasm",
                ".webmanifest": "application/manifest+json",
                ".cose": "application/cose",
            }

            def do_GET(self) -> None:
                site.hits.append(self.path)
                if site.unreachable:
                    self.close_connection = True
                    return
                super().do_GET()

            def end_headers(self) -> None:
                self.send_header("Content-Security-Policy", service_csp())
                self.send_header("Cache-Control", "no-cache")
                super().end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(self.root))
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
