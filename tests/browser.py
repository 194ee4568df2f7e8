"""A real browser for the tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download is not reachable here, so it is given the executable
path of the system Chromium (``.ci/run`` installs Debian's ``chromium``). The flags keep a
headless Chromium off the network this machine does not have (background networking,
component updates, sync) and let it run as root in a container (``--no-sandbox``).

Tests that need the browser use :func:`page`; they are skipped, with the reason, only when
neither Chromium nor Playwright is installed and ``ZOPA_REQUIRE_BROWSER`` is unset
(``.ci/run`` sets it, so in CI a missing browser fails instead of skipping).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def chromium_path() -> str | None:
    """The system Chromium's executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    """The Chromium path; skip (or fail under ``ZOPA_REQUIRE_BROWSER``) without one."""
    path = chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        why = "needs Debian's chromium and the playwright package (.ci/run installs both)"
        if os.environ.get("ZOPA_REQUIRE_BROWSER"):
            pytest.fail(why)
        pytest.skip(why)
    return path


@contextmanager
def page(width: int = 1280, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A fresh Chromium page and the list its console errors and page errors go to."""
    from playwright.sync_api import sync_playwright

    exe = require_browser()
    errors: list[str] = []
    with sync_playwright() as pw:  # Playwright gives each launch a new empty profile
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        try:
            p = browser.new_page(viewport={"width": width, "height": height})
            p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            p.on("pageerror", lambda e: errors.append(str(e)))
            yield p, errors
        finally:
            browser.close()


def not_blank(png: bytes) -> bool:
    """Whether a PNG screenshot shows more than one colour (a blank page is one colour)."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 16)
    return colours is None or len(colours) > 1
