"""The browser harness (tests/browser.py) itself: what "the network is quiet" means.

CI once failed a chapter's phone test with "timed out waiting for the network to go quiet": the
harness switches the viewport on the previous page just before it navigates; that page's phone
media query fires and it starts loading its phone image, a request that never reports back once
the page is gone. Only requests of the document on screen may keep the network busy. The race
itself depends on timing, so the events are replayed here as Chromium sends them.
"""

from __future__ import annotations

import pytest

from browser import VIEWPORTS, Browser, BrowserError, StaticServer

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(tmp_path):
    (tmp_path / "page.html").write_text(
        '<!doctype html><html><head><link rel="icon" href="data:,"></head><body>page</body></html>'
    )
    server = StaticServer(tmp_path)
    browser = Browser(server.origin)
    try:
        page = browser.new_page()
        page.goto(server.origin + "/page.html", VIEWPORTS["phone"])
        yield page
    finally:
        browser.close()
        server.close()


def request(tab, request_id: str, loader: str | None) -> None:
    url = f"http://127.0.0.1/{request_id}.png"
    tab.on_event(
        "Network.requestWillBeSent",
        {"requestId": request_id, "loaderId": loader, "request": {"url": url}},
    )


def test_a_request_of_the_previous_page_does_not_keep_the_network_busy(tab):
    request(tab, "old-image", "the previous document's loader")
    tab.wait_network_quiet(timeout=5)


def test_a_request_of_the_page_on_screen_does(tab):
    request(tab, "new-image", tab._loader)
    with pytest.raises(BrowserError, match="network to go quiet"):
        tab.wait_network_quiet(timeout=2)
    tab.on_event("Network.loadingFinished", {"requestId": "new-image", "encodedDataLength": 10})
    tab.wait_network_quiet(timeout=5)
