"""Where things are, for tests at any depth under tests/ (never ``Path(__file__).parent``)."""

from __future__ import annotations

from pathlib import Path

#: The repository.
ROOT = Path(__file__).resolve().parents[2]
#: Images and files the tests upload or compare against (tests/fixtures/).
FIXTURES = ROOT / "tests" / "fixtures"
