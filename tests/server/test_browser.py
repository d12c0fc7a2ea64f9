"""The web chat page in a real browser (headless Chromium via Playwright).

Asks a question, sees a cited answer with badges, opens a citation, sends
feedback, and checks the feedback row landed. Without Chromium the test
fails in CI and is skipped elsewhere.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from .conftest import LiveServer

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        message = f"headless Chromium is needed at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def test_ask_see_citation_and_send_feedback(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone-sized screen
    page = context.new_page()
    blocked: list[str] = []
    page.on("request", lambda r: blocked.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        page.goto(live_server.url + "/")
        # Auth is on: the page asks for a key, kept in sessionStorage.
        key_input = page.get_by_label("API key (kept in this tab only)")
        expect(key_input).to_be_visible()
        key_input.fill(live_server.keys["acme"])
        page.get_by_role("button", name="Save key").click()

        page.get_by_label("Your question").fill("How long do I have to return a device?")
        page.keyboard.press("Enter")

        answer = page.locator("article.msg.bot").last
        expect(answer).not_to_have_attribute("aria-busy", "true", timeout=60_000)
        expect(answer.locator(".text")).not_to_be_empty()
        trace_id = answer.get_attribute("data-trace-id")
        assert trace_id

        # The recommended policy cites every sentence it keeps: [n] chips reveal the passage.
        chip = answer.locator("button.chip").first
        expect(chip).to_be_visible()
        panel = page.locator("#" + (chip.get_attribute("aria-controls") or "missing"))
        expect(panel).to_be_hidden()
        chip.focus()
        page.keyboard.press("Enter")  # keyboard works as well as a click
        expect(chip).to_have_attribute("aria-expanded", "true")
        expect(panel).to_be_visible()
        expect(panel.locator("blockquote")).not_to_be_empty()
        expect(panel.locator("figcaption")).to_contain_text("returns/")
        expect(answer.locator(".badges")).to_contain_text("grounded")

        up = answer.get_by_role("button", name="Yes, helpful")
        up.click()
        expect(up).to_have_attribute("aria-pressed", "true")
        expect(answer.locator(".feedback-status")).to_have_text("Thanks for your feedback.")
        assert page.locator("[role=log][aria-live=polite]").count() == 1
    finally:
        context.close()
    assert not blocked, f"the page loaded external resources: {blocked}"
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        rows = conn.execute("SELECT tenant, rating FROM feedback WHERE trace_id = ?", (trace_id,)).fetchall()
    assert rows == [("acme", 1)]
