"""axe-core (npm, pinned in package.json) run inside a page, for the accessibility tests.

The pages' Content-Security-Policy allows no injected script, so the browser context that
runs axe is made with ``bypass_csp=True``; that context is used for nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail a test. "moderate" and "minor" are reported, not failed.
FAILING = ("serious", "critical")


def require_axe() -> Path:
    if AXE.exists():
        return AXE
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {AXE} is missing (make test installs the npm packages)")
    pytest.skip("axe-core not installed (npm ci); runs under CI=true")


def violations(page: Any, *, context: str = "document") -> list[dict[str, Any]]:
    """axe's WCAG 2.x A/AA rules (and best practice) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(require_axe()))
    result: dict[str, Any] = page.evaluate(
        """async (ctx) => await axe.run(ctx === 'document' ? document : ctx, {
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                               'wcag22aa', 'best-practice']},
               resultTypes: ['violations'],
           })""",
        context,
    )
    return list(result["violations"])


def serious(found: list[dict[str, Any]]) -> list[str]:
    """One line per serious or critical violation: rule, impact, and where."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
        for v in found if v.get("impact") in FAILING
    ]
