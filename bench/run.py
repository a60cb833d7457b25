"""Run every benchmark module in bench/, store bench/results.json, print a table.

    make bench                                   # all bench/bench_*.py
    .venv/bin/python bench/run.py verify card    # only bench_verify.py and bench_card.py
    .venv/bin/python bench/run.py --out /tmp/r.json

The convention (see bench/README.md): a module ``bench/bench_<name>.py`` defines
``run() -> dict`` returning JSON-serialisable, possibly nested values. An optional
``"targets"`` entry maps a description to ``{"value", "limit", "ok"}``; run.py
prints those as PASS/FAIL lines. A module that cannot be imported (a missing
optional dependency) or that has no ``run()`` is skipped with a note. Exit status
is 1 when a module raised or a target failed, else 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def discover(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    unknown = wanted - {p.stem.removeprefix("bench_") for p in found}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    return [p for p in found if p.stem.removeprefix("bench_") in wanted]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def run_one(path: Path) -> dict[str, Any]:
    name = path.stem.removeprefix("bench_")
    try:
        module = load(path)
    except ImportError as exc:
        return {"skipped": f"cannot import: {exc}"}
    run = getattr(module, "run", None)
    if not callable(run):
        return {"skipped": "no run() function"}
    print(f"running {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        result = run()
    except ImportError as exc:
        return {"skipped": f"missing dependency: {exc}"}
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(result, dict):
        return {"error": f"run() returned {type(result).__name__}, not a dict"}
    result.setdefault("_seconds", round(time.perf_counter() - start, 1))
    return result


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, rows)
    elif isinstance(value, float):
        rows.append((prefix, f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"))
    elif isinstance(value, int) and not isinstance(value, bool):
        rows.append((prefix, f"{value:,}"))
    elif isinstance(value, list | tuple) and len(value) > 8:
        rows.append((prefix, f"[{len(value)} values]"))
    else:
        rows.append((prefix, str(value) if not isinstance(value, str) else value))


def table(results: dict[str, dict[str, Any]]) -> tuple[str, bool]:
    lines: list[str] = []
    ok = True
    for name, result in results.items():
        lines.append(f"\n== {name} " + "=" * max(0, 60 - len(name)))
        if "skipped" in result:
            lines.append(f"  skipped: {result['skipped']}")
            continue
        if "error" in result:
            lines.append(f"  ERROR: {result['error']}")
            ok = False
            continue
        targets = result.get("targets", {})
        rows: list[tuple[str, str]] = []
        _flatten("", {k: v for k, v in result.items() if k != "targets"}, rows)
        width = max((len(k) for k, _ in rows), default=0)
        lines += [f"  {k:<{width}}  {v}" for k, v in rows]
        for label, t in targets.items():
            passed = bool(t.get("ok"))
            ok = ok and passed
            lines.append(
                f"  [{'PASS' if passed else 'FAIL'}] {label}: {t.get('value')} (limit {t.get('limit')})"
            )
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. verify")
    ap.add_argument("--out", type=Path, default=HERE / "results.json", help="where to write JSON")
    args = ap.parse_args(argv)

    # Benchmark modules import the project (installed editable) and their siblings.
    for p in (str(ROOT), str(HERE)):
        if p not in sys.path:
            sys.path.insert(0, p)
    paths = discover(args.names)
    results = {p.stem.removeprefix("bench_"): run_one(p) for p in paths}
    document = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "results": results,
    }
    args.out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    text, ok = table(results)
    print(text)
    print(f"\nwrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
