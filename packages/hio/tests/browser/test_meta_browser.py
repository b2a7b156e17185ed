"""The demo page in a real headless browser: Debian's Chromium driven through
chromedriver by selenium. It loads the page from ``hio serve``, sees the JSON
value appear and server sent events update the displayed server tyme.

Collected only when HIO_BROWSER_TESTS=1 (the ``browser`` nox session, which
installs Chromium, chromedriver and selenium). There it never skips: a browser
that cannot start fails the test.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from importlib import metadata

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 20.0  # seconds the page has for each thing to appear


@pytest.fixture
def server():
    """``hio serve --port 0`` with fast events; yields its URL, then stops it with SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hio", "serve", "--port", "0", "--period", "0.25"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()
    try:
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    assert proc.returncode == 0, err
    assert "GET /api/events -> 200 OK event stream" in err


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium with a fresh profile, driven by the system chromedriver (nothing downloaded)."""
    assert shutil.which(CHROMIUM) or shutil.which("chromium"), "Chromium is not installed"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, read by get_log
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def text(driver, eid: str) -> str:
    return driver.find_element(By.ID, eid).text


def test_demo_page_shows_json_and_live_events(server, browser):
    browser.get(server)
    assert browser.title == "hio demo"
    wait = WebDriverWait(browser, WAIT)

    # the JSON document, fetched once
    wait.until(lambda d: text(d, "message") == "Hello from hio")
    assert text(browser, "version") == metadata.version("hio")
    assert float(text(browser, "info-tyme")) >= 0.0
    assert text(browser, "info-state") == "fetched"

    # server sent events: the displayed server tyme keeps changing
    wait.until(lambda d: text(d, "events-state") == "streaming")
    wait.until(lambda d: int(text(d, "count")) >= 1)
    first = float(text(browser, "tyme"))
    wait.until(lambda d: int(text(d, "count")) >= 3)
    later = float(text(browser, "tyme"))
    assert later > first
    items = browser.find_elements(By.CSS_SELECTOR, "#log li")
    assert len(items) >= 3 and items[0].text.startswith("event ")

    # nothing failed on the page
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_demo_page_under_demo_prefix(server, browser):
    browser.get(server + "demo/")
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: text(d, "message") == "Hello from hio")
    wait.until(lambda d: int(text(d, "count")) >= 2)
