"""The chat survives a restart of the ws service: it reconnects by itself and
shows what was said meanwhile, exactly once.

The container cannot restart ws itself: it writes a signal file into the
mounted output directory, and scripts/test-browser.sh (on the host) restarts
ws and answers with another file.
"""

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

SIGNALS = Path(os.environ.get("OUTPUT_DIR", "/out")) / "signals"
ENABLED = os.environ.get("WS_RESTART_SIGNALS") == "1"


def restart_ws(timeout: float = 120) -> None:
    SIGNALS.mkdir(parents=True, exist_ok=True)
    done = SIGNALS / "ws-restarted"
    done.unlink(missing_ok=True)
    (SIGNALS / "restart-ws").touch()
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            pytest.fail("the host did not restart ws in time (is scripts/test-browser.sh running this?)")
        time.sleep(0.5)


@pytest.mark.skipif(not ENABLED, reason="needs scripts/test-browser.sh to restart ws")
def test_chat_reconnects_after_ws_restart(new_context, helpers):
    alice, bob = new_context().new_page(), new_context().new_page()
    helpers["register"](alice)
    helpers["register"](bob)
    room = helpers["create_room"](alice)
    bob.goto(room)
    helpers["wait_live"](alice)
    helpers["wait_live"](bob)
    helpers["send"](alice, "before the restart")
    expect(bob.locator(".message__body", has_text="before the restart")).to_be_visible()

    restart_ws()
    # Said while Alice's socket was down: she must get it from the catch-up.
    slug = room.rsplit("/", 1)[1]
    posted = bob.request.post(f"/api/v1/rooms/{slug}/messages", data={"body": "during the restart"})
    assert posted.status == 201, posted.text()

    helpers["wait_live"](alice, timeout=60_000)
    helpers["wait_live"](bob, timeout=60_000)
    expect(alice.locator(".message__body", has_text="during the restart")).to_have_count(1)

    helpers["send"](bob, "after the restart")
    for page in (alice, bob):
        expect(page.locator(".message__body", has_text="after the restart")).to_have_count(1)
        expect(page.locator(".message")).to_have_count(3)
