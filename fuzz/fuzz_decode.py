"""Coverage-guided fuzzing (atheris / libFuzzer) of the pass decoder and ``verify()``.

    make fuzz FUZZ_SECONDS=600                                  # see the Makefile
    .venv/bin/python fuzz/fuzz_decode.py -max_total_time=60     # libFuzzer flags pass through
    .venv/bin/python fuzz/fuzz_decode.py -max_total_time=600 -jobs=2 -workers=2
    .venv/bin/python fuzz/fuzz_decode.py --self-test 2000       # no atheris needed: random inputs

Each input becomes a QR text in one of three ways: raw text (any Unicode), ``PAS1:`` +
base45 of raw bytes, or ``PAS1:`` + base45 of a genuine signed pass (three issuers'
passes from tests/verifier/pas_support.py) after 1-8 structure-aware mutations chosen
by the fuzzer: bit flips, truncation, insertion, deletion, CBOR heads that claim huge
lengths, indefinite lengths, tags and duplicate map keys, and splices from another
pass. For every input:

- ``decode_qr_text`` returns or raises a :class:`verifier.Error` — nothing else;
- ``verify`` returns a Verdict and never raises;
- VALID only for the exact bytes of a pass that was signed as is;
- one verify takes less than ``SLOW_S`` (a pathological input is a finding).

A failure makes libFuzzer stop and write the input as ``crash-<sha1>`` in the current
directory; replay it with ``fuzz/fuzz_decode.py crash-<sha1>``. Atheris installs from a
wheel on Linux/CPython 3.11 (``pip install atheris``, in the dev extra); elsewhere see
https://github.com/google/atheris (it needs clang with libFuzzer to build).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "tests" / "verifier")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

SLOW_S = 0.25  # instrumented Python is several times slower than plain; verify is ~0.1 ms
#: CBOR heads worth writing into a pass: huge lengths, indefinite lengths, tags, maps.
CBOR_HEADS = [
    b"\x1b\xff\xff\xff\xff\xff\xff\xff\xff",  # uint 2^64-1
    b"\x5b\x7f\xff\xff\xff\xff\xff\xff\xff",  # bstr of 2^63 bytes
    b"\x7a\xff\xff\xff\xff",  # tstr of 4 GiB
    b"\x9b\x00\x00\x00\x01\x00\x00\x00\x00",  # array of 2^32
    b"\x5f", b"\x7f", b"\x9f", b"\xbf", b"\xff",  # indefinite lengths, break
    b"\xd8\x12", b"\xd2", b"\xc1", b"\xd9\xd9\xf7",  # tags: COSE_Sign1, epoch, self-describe
    b"\xa2\x01\x01\x01\x01",  # map with a duplicate key
    b"\xf9\x7e\x00", b"\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00",  # NaN half/double
    b"\xf4", b"\xf6", b"\xf7", b"\x20", b"\x38\xff",  # false, null, undefined, negatives
]


def _setup():  # type: ignore[no-untyped-def]
    from pas_support import World, cose_of, qr

    from verifier import _base45

    world = World()
    genuine_texts = [world.issue("a"), world.issue("b", category="inrichting"),
                     world.issue("c", signer=world.assen, iss="GM0106", category="thuis")]
    seeds = [cose_of(t) for t in genuine_texts]
    return world.store(), frozenset(seeds), seeds, qr, _base45


def _mutate(seed: bytes, seeds: list[bytes], take) -> bytes:  # type: ignore[no-untyped-def]
    """Apply 1-8 mutations; ``take(kind, *args)`` is the source of choices."""
    buf = bytearray(seed)
    for _ in range(take("int", 1, 8)):
        op = take("int", 0, 6)
        pos = take("int", 0, max(len(buf) - 1, 0))
        if op == 0 and buf:
            buf[pos] ^= 1 << take("int", 0, 7)
        elif op == 1:
            del buf[pos:]
        elif op == 2:
            buf[pos:pos] = take("bytes", take("int", 1, 16))
        elif op == 3:
            del buf[pos : pos + take("int", 1, 32)]
        elif op == 4:
            head = CBOR_HEADS[take("int", 0, len(CBOR_HEADS) - 1)]
            buf[pos : pos + (len(head) if take("int", 0, 1) else 0)] = head
        elif op == 5:
            other = seeds[take("int", 0, len(seeds) - 1)]
            a = take("int", 0, len(other))
            b = take("int", a, len(other))
            buf[pos:pos] = other[a:b]
        else:
            buf[pos : pos + 1] = bytes([take("int", 0, 255)])
    return bytes(buf)


def make_check():  # type: ignore[no-untyped-def]
    from verifier import Error, Status, Verdict, verify
    from verifier.format import QR_PREFIX, decode_qr_text

    store, genuine, seeds, qr, base45 = _setup()
    now = 1_767_225_600

    def check(text: str) -> None:
        try:
            decode_qr_text(text)
        except Error:
            pass
        t0 = time.perf_counter()
        verdict = verify(text, store, now=now)
        elapsed = time.perf_counter() - t0
        assert isinstance(verdict, Verdict) and isinstance(verdict.status, Status)
        if verdict.status is Status.VALID:
            cose = base45.decode(text[len(QR_PREFIX):])
            assert cose in genuine, "VALID for bytes that were never signed as is"
        assert elapsed < SLOW_S, f"verify took {elapsed * 1000:.0f} ms"

    def one_input(take) -> None:  # type: ignore[no-untyped-def]
        kind = take("int", 0, 3)
        if kind == 0:
            check(take("text", take("int", 0, 3000)))
        elif kind == 1:
            check(qr(take("bytes", take("int", 0, 2000))))
        else:
            check(qr(_mutate(seeds[take("int", 0, len(seeds) - 1)], seeds, take)))

    return one_input, seeds, check, qr


def self_test(n: int, seed: int = 1) -> None:
    """Random inputs without atheris: a smoke test of the target itself."""
    one_input, seeds, check, qr = make_check()
    for s in seeds:
        check(qr(s))
    rnd = random.Random(seed)  # noqa: S311 (reproducible test input)

    def take(kind: str, *args: int):  # type: ignore[no-untyped-def]
        if kind == "int":
            return rnd.randint(args[0], args[1])
        if kind == "bytes":
            return rnd.randbytes(args[0])
        return "".join(chr(rnd.choice([rnd.randint(32, 126), rnd.randint(0, 0xD7FF)]))
                       for _ in range(args[0]))

    t0 = time.perf_counter()
    for _ in range(n):
        one_input(take)
    print(f"self-test: {n} inputs in {time.perf_counter() - t0:.1f} s, no finding")


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--self-test":
        self_test(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
        return
    import atheris

    with atheris.instrument_imports(include=["verifier"]):
        import verifier.format
        import verifier.verify  # noqa: F401
    one_input, _seeds, _check, _qr = make_check()

    def test_one_input(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)

        def take(kind: str, *args: int):  # type: ignore[no-untyped-def]
            if kind == "int":
                return fdp.ConsumeIntInRange(args[0], args[1])
            if kind == "bytes":
                return fdp.ConsumeBytes(args[0])
            return fdp.ConsumeUnicodeNoSurrogates(args[0])

        one_input(take)

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
