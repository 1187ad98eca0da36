"""End-to-end harness: the real app in a subprocess, driven by headless Debian Chromium.

Fixtures
--------
``app_server``
    Starts ``streamlit run app.py`` on a free 127.0.0.1 port with ``ZHENRU_STORE`` pointing at
    the session's small store, waits for ``/_stcore/health``, yields the base URL, stops it.
``browser``
    One Chromium per session (``/usr/bin/chromium``; the tests skip with a clear reason when
    it is missing — ``make e2e-deps`` installs it).
``browser_page``
    A fresh page (1600x1000) whose every request to a host other than 127.0.0.1/localhost is
    blocked and recorded in ``page.blocked_requests`` so tests can assert "no network".

Helpers: :func:`wait_for_app` (app connected and no script running), :func:`folium_frame`,
:func:`screenshot` (saves to ``test-artifacts/``).

All tests in this folder carry the ``e2e`` marker.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("ZHENRU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: Seconds allowed for the app to start / a page to settle (the CI machine is shared).
START_TIMEOUT = float(os.environ.get("ZHENRU_E2E_START_TIMEOUT", "180"))
RUN_TIMEOUT_MS = int(float(os.environ.get("ZHENRU_E2E_RUN_TIMEOUT", "180")) * 1000)
FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


def _require_browser() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} 不存在：请先运行 `make e2e-deps` 安装 Debian chromium"
        if os.environ.get("CI"):  # CI installs it through `make test`: missing is a failure there
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api", reason="playwright (python) 未安装")


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def start_app(store: Path, log_dir: Path, extra_env: dict[str, str] | None = None):
    """Start the app on a free port; returns ``(base_url, process)`` (caller stops it)."""
    from registry.accounts import add_demo_accounts
    from registry.store import SQLiteStore

    with SQLiteStore(store) as opened:  # every test app signs in with the demo accounts
        add_demo_accounts(opened)
    port = free_port()
    log = log_dir / f"streamlit-{port}.log"
    env = {**os.environ, "ZHENRU_STORE": str(store), "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--server.enableStaticServing", "true", "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
    ]
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, START_TIMEOUT)
    except RuntimeError:
        stop_app(proc)
        raise
    return url, proc


def stop_app(proc: subprocess.Popen) -> None:
    """Stop a server started by :func:`start_app` (its own process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def app_server(small_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app serving the small session store."""
    _require_browser()
    url, proc = start_app(small_store, tmp_path_factory.mktemp("streamlit-logs"))
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about", "chrome", "chrome-extension"}:
        return True
    return (parsed.hostname or "") in LOCAL_HOSTS


def new_page(browser, width: int = 1600, height: int = 1000):
    """A page that blocks and records every non-local request (``page.blocked_requests``)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.blocked_requests = []  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]

    def route(r):
        if _is_local(r.request.url):
            r.continue_()
        else:
            page.blocked_requests.append(r.request.url)  # type: ignore[attr-defined]
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))  # type: ignore[attr-defined]
    page.set_default_timeout(RUN_TIMEOUT_MS)
    return page


@pytest.fixture
def browser_page(browser):
    """Fresh 1600x1000 page with non-local requests blocked and recorded."""
    page = new_page(browser)
    try:
        yield page
    finally:
        page.context.close()


def wait_for_app(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until the app is connected and no script is running."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms
    )


def folium_frame(page):
    """Frame locator of the streamlit-folium map iframe."""
    return page.frame_locator(FOLIUM_IFRAME).first


def narrowed_map_frame(page, n_sites: int = 1, timeout_s: float = 60):
    """The map frame once a filter has narrowed it to ``n_sites`` markers.

    A filter change replaces the map's iframe: until the old one is gone a locator may still
    see the old markers, so wait until there is one frame showing exactly ``n_sites``.
    """
    deadline = time.monotonic() + timeout_s
    frame = folium_frame(page)
    while time.monotonic() < deadline:
        frame = folium_frame(page)
        if (page.locator(FOLIUM_IFRAME).count() == 1
                and frame.locator("path.zr-site").count() == n_sites):
            break
        page.wait_for_timeout(300)
    assert frame.locator("path.zr-site").count() == n_sites
    page.wait_for_timeout(500)  # let Leaflet finish fitting the view before interacting
    return frame


def screenshot(page, name: str) -> Path:
    """Full-page screenshot ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def have_chromium() -> bool:
    """Whether the Debian chromium binary is present."""
    return CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None


def attach_file(page, path: Path, attempts: int = 4, wait_ms: int = 15_000) -> None:
    """Choose ``path`` in the page's first file uploader until the uploader lists it.

    A file chosen while Streamlit reruns (a text field just committed on blur) can be dropped
    by the re-rendered uploader; a user then simply picks it again, and so does this helper.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    name = Path(path).name
    for _ in range(attempts):
        wait_for_app(page)
        page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
            str(path)
        )
        try:
            page.get_by_text(name).wait_for(timeout=wait_ms)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"上传的照片 {name} 没有出现在上传列表中（试了 {attempts} 次）")


#: The phone viewport of the inspectors' journeys.
PHONE_WIDTH, PHONE_HEIGHT = 390, 844


class AppServer:
    """An app server on a private backup of ``source`` (for tests that write); restartable."""

    def __init__(self, source: Path, folder: Path, name: str) -> None:
        from registry.store import SQLiteStore

        _require_browser()
        self.folder = folder
        with SQLiteStore(source) as store:
            self.store = store.backup(folder / f"{name}.db")
        self.url, self.proc = start_app(self.store, folder)

    def restart(self) -> None:
        stop_app(self.proc)
        self.url, self.proc = start_app(self.store, self.folder)

    def stop(self) -> None:
        stop_app(self.proc)


def assert_no_sideways_scroll(page, where: str = "") -> None:
    """The page fits the phone's width (no horizontal scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    prefix = f"{where}: " if where else ""
    assert width <= PHONE_WIDTH, f"{prefix}页面可横向滚动：scrollWidth={width}"


def sign_in(page, username: str = "pingan", password: str | None = None) -> None:
    """Sign in through the app's form (shown on any URL to an anonymous visitor)."""
    from registry.accounts import DEMO_PASSWORD

    form = page.get_by_test_id("stForm").filter(has=page.get_by_label("用户名", exact=True))
    form.get_by_label("用户名", exact=True).fill(username)
    form.get_by_label("密码", exact=True).fill(DEMO_PASSWORD if password is None else password)
    form.get_by_role("button", name="登录").click()
    page.wait_for_timeout(300)
    wait_for_app(page)


def open_app(page, url: str, username: str = "pingan") -> None:
    """Open ``url`` signed in as the demo account ``username`` (the wall screen's account
    through its token in the URL, as a kiosk does)."""
    from registry.accounts import DEMO_ACCOUNTS, DEMO_KIOSK_TOKEN, ROLES

    if ROLES[DEMO_ACCOUNTS[username][0]].kiosk:
        page.goto(url + ("&" if "?" in url else "?") + f"kiosk={DEMO_KIOSK_TOKEN}")
        wait_for_app(page)
        return
    page.goto(url)
    wait_for_app(page)
    sign_in(page, username)
