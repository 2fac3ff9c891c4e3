"""Black-box tests of the dashboard served at /ui.

The page runs in headless Chromium (python3-selenium + Debian's chromium and
chromium-driver) against a real worker running FileStreamSource ->
FileStreamSink. The page exposes its state in data attributes (data-state
on connector rows, data-points/data-max on the throughput charts, a
data-refreshes counter on <body>), so nothing here looks at pixels.
"""

import base64
import http.server
import importlib.util
import shutil
import threading
from pathlib import Path

import pytest
import requests

from conftest import file_sink_config, file_source_config, free_port, \
    read_lines, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HOSTILE = "<img src=x onerror=alert(1)>"
PASSWORD = "Dash-Pw-51c2e8"


def _browser_missing():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            return f"{path} not installed (apt-get install chromium chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "python3-selenium not installed"
    return None


@pytest.fixture
def browser(tmp_path):
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM if Path(CHROMIUM).exists() else \
        shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-gpu",
                "--no-first-run", "--disable-extensions",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    exe = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else \
        shutil.which("chromedriver")
    driver = webdriver.Chrome(service=Service(exe), options=opts)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


# ----------------------------------------------------------------- helpers

def page_wait(driver, predicate, desc, timeout=30):
    """wait_until for browser state: WebDriver errors (a row replaced
    between lookups, an element not there yet) count as "not yet"."""
    from selenium.common.exceptions import WebDriverException

    def check():
        try:
            return predicate()
        except WebDriverException as e:
            raise AssertionError(f"webdriver: {e.msg}") from None
    return wait_until(check, timeout, desc, interval=0.2,
                      on_fail=lambda: "page state: " + repr(page(driver)))


def page(driver):
    """What the page shows, read in one script call: the connector rows,
    the worker box, the charts, messages."""
    return driver.execute_script("""
        var rows = {};
        document.querySelectorAll('#connectors tbody tr').forEach(function (tr) {
            rows[tr.getAttribute('data-name')] = {
                state: tr.getAttribute('data-state'),
                name_text: tr.querySelector('td.name').textContent,
                type: tr.querySelector('td.type').textContent,
                worker: tr.querySelector('td.worker').textContent,
                trace: tr.querySelector('td.trace').textContent,
                tasks: Array.prototype.map.call(
                    tr.querySelectorAll('td.tasks [data-task]'),
                    function (t) { return t.getAttribute('data-state'); })
            };
        });
        function chart(id) {
            var c = document.getElementById(id);
            return {points: Number(c.getAttribute('data-points')),
                    max: Number(c.getAttribute('data-max')),
                    series: Number(c.getAttribute('data-series')),
                    state: c.getAttribute('data-state')};
        }
        var msg = document.getElementById('message');
        var terr = document.getElementById('throughput-error');
        return {
            refreshes: Number(document.body.getAttribute('data-refreshes')),
            worker_state: document.getElementById('worker').getAttribute('data-state'),
            version: document.getElementById('worker-version').textContent,
            commit: document.getElementById('worker-commit').textContent,
            cluster: document.getElementById('worker-cluster').textContent,
            rows: rows,
            records: chart('chart-records'),
            bytes: chart('chart-bytes'),
            legend: Array.prototype.map.call(
                document.querySelectorAll('#legend .legend-name'),
                function (e) { return e.textContent; }),
            message: msg.hidden ? null :
                document.getElementById('message-text').textContent,
            throughput_error: terr.hidden ? null : terr.textContent,
            images: document.images.length
        };
    """)


def severe_logs(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def open_dashboard(driver, w, query=""):
    driver.get(w.url + "/ui" + query)
    return page_wait(driver, lambda: page(driver)["refreshes"] >= 1,
                     "the dashboard's first refresh")


def wait_rows(driver, want, desc=None):
    """Wait until every connector in want {name: state} shows that state
    with all its tasks RUNNING (or the same state for PAUSED)."""
    def check():
        rows = page(driver)["rows"]
        for name, state in want.items():
            r = rows.get(name)
            if not r or r["state"] != state or not r["tasks"]:
                return None
            if any(t != state for t in r["tasks"]):
                return None
        return rows
    return page_wait(driver, check, desc or f"rows {want}")


def click_action(driver, name, action):
    """Click the row's button for action (pause/resume/restart); the name
    is matched in Python so it needs no selector escaping."""
    from selenium.webdriver.common.by import By

    for tr in driver.find_elements(By.CSS_SELECTOR, "#connectors tbody tr"):
        if tr.get_attribute("data-name") == name:
            btn = tr.find_element(By.CSS_SELECTOR,
                                  f'button[data-action="{action}"]')
            assert btn.is_enabled(), f"{action} button of {name} is disabled"
            btn.click()
            return True
    raise AssertionError(f"no row for {name!r}")


class Feeder:
    """Appends lines to the source file until stopped, so data keeps
    flowing while the page samples throughput."""

    def __init__(self, path):
        self.path = path
        self.stop_evt = threading.Event()
        self.lines = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop_evt.is_set():
            with open(self.path, "a", encoding="utf-8") as f:
                for _ in range(200):
                    f.write(f"line-{self.lines}\n")
                    self.lines += 1
            self.stop_evt.wait(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_evt.set()
        self.thread.join(5)


class BrokenMetricsProxy:
    """An HTTP server in front of a worker that answers GET
    /metrics/throughput with a 503 and passes every other GET through: a
    worker whose throughput endpoint fails."""

    def __init__(self, w):
        upstream = w

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.startswith("/metrics/throughput"):
                    status, ctype = 503, "application/json"
                    body = b'{"error_code":503,"message":"metrics are down"}'
                else:
                    r = upstream.get(self.path)
                    status, body = r.status_code, r.content
                    ctype = r.headers.get("Content-Type", "application/json")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def pipeline(worker, tmp_path, src="src", sink="sink", props=None,
             client=None):
    """A worker running FileStreamSource(in.txt) -> topic -> FileStreamSink
    (out.txt); returns (worker, input path, output path)."""
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    inp.write_text("first\n")
    w = worker.start(props or {}, client=client)
    w.create(src, file_source_config(inp, "dash"))
    w.create(sink, file_sink_config(out, "dash"))
    w.wait_running(src)
    w.wait_running(sink)
    w.wait_for(lambda: read_lines(out) == [b"first"], desc="first line copied")
    return w, inp, out


# -------------------------------------------------------------- no browser

def test_assets_have_their_content_types(worker):
    w = worker.start()
    page_types = {"/ui": "text/html", "/ui/": "text/html",
                  "/ui/index.html": "text/html",
                  "/ui/app.js": "text/javascript",
                  "/ui/style.css": "text/css"}
    for path, ctype in page_types.items():
        r = w.get(path)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        assert r.headers["Content-Type"].split(";")[0] == ctype, \
            f"{path}: {r.headers['Content-Type']}"
        assert r.headers.get("Cache-Control") == "no-cache", path
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    html = w.get("/ui").text
    assert w.get("/ui").text == w.get("/ui/index.html").text
    assert 'src="/ui/app.js"' in html and 'href="/ui/style.css"' in html
    # the page holds no inline script (the CSP would block it anyway)
    assert "<script>" not in html and "onload=" not in html
    assert "charset=utf-8" in w.get("/ui").headers["Content-Type"]


@pytest.mark.parametrize("path", ["/ui/nope.js", "/ui/app.js/x", "/ui/.%2e/",
                                  "/ui/index.htm"])
def test_unknown_asset_is_a_json_404(worker, path):
    w = worker.start()
    r = w.get(path)
    assert r.status_code == 404, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["error_code"] == 404 and "dashboard" in body["message"], body


def test_dashboard_is_read_only(worker):
    w = worker.start()
    for method in ("POST", "PUT", "DELETE"):
        r = w.request(method, "/ui/app.js")
        assert r.status_code == 405, f"{method}: {r.status_code} {r.text}"
        assert r.json()["error_code"] == 405
        assert "GET" in r.headers["Allow"]
    r = w.request("HEAD", "/ui")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")


def auth_worker(worker, tmp_path, props=None):
    """A worker with basic auth (admin / PASSWORD); its session sends
    the credentials."""
    creds = tmp_path / "credentials.properties"
    creds.write_text(f"admin={PASSWORD}\n")
    jaas = tmp_path / "connect.jaas"
    jaas.write_text(
        "KafkaConnect {\n"
        "  org.apache.kafka.connect.rest.basic.auth.extension."
        "PropertyFileLoginModule required\n"
        f'  file="{creds}";\n'
        "};\n")
    p = {"rest.extension.classes": "BasicAuthSecurityRestExtension",
         "java.security.auth.login.config": str(jaas)}
    p.update(props or {})
    return p, {"auth": ("admin", PASSWORD)}


def test_basic_auth_guards_the_dashboard(worker, tmp_path):
    props, client = auth_worker(worker, tmp_path)
    w = worker.start(props, client=client)
    for path in ("/ui", "/ui/app.js", "/ui/style.css", "/ui/nope"):
        r = requests.get(w.url + path, timeout=10)
        assert r.status_code == 401, f"{path}: {r.status_code}"
        assert "Basic" in r.headers.get("WWW-Authenticate", "")
        assert "sluice" not in r.text  # no page content leaks
        r = requests.get(w.url + path, timeout=10, auth=("admin", "wrong"))
        assert r.status_code == 401, f"{path} with a wrong password"
    r = w.get("/ui")
    assert r.status_code == 200 and "app.js" in r.text
    assert w.get("/ui/app.js").status_code == 200


# ----------------------------------------------------------------- browser

def test_dashboard_shows_the_worker_and_connectors(worker, browser, tmp_path):
    w, _, _ = pipeline(worker, tmp_path)
    info = w.get("/").json()
    open_dashboard(browser, w)
    rows = wait_rows(browser, {"src": "RUNNING", "sink": "RUNNING"})
    assert rows["src"]["type"] == "source" and rows["sink"]["type"] == "sink"
    assert rows["src"]["worker"] == w.status("src")["connector"]["worker_id"]
    assert rows["src"]["trace"] == ""
    p = page_wait(browser, lambda: (lambda p: p if p["worker_state"] == "loaded"
                                    else None)(page(browser)),
                  "the worker box")
    assert p["version"] == info["version"]
    assert p["commit"] == info["commit"]
    assert p["cluster"] == info["kafka_cluster_id"]
    assert p["message"] is None
    assert severe_logs(browser) == []


def test_chart_draws_throughput_while_data_flows(worker, browser, tmp_path):
    w, inp, out = pipeline(worker, tmp_path)
    assert w.get("/metrics/throughput").status_code == 200, \
        "GET /metrics/throughput is not served"
    with Feeder(inp):
        open_dashboard(browser, w)

        def drawn():
            p = page(browser)
            c = p["records"]
            if c["state"] == "ok" and c["points"] > 0 and c["max"] > 0 and \
                    p["bytes"]["max"] > 0:
                return p
            return None
        p = page_wait(browser, drawn, "records/s and bytes/s drawn", 60)
    assert p["throughput_error"] is None
    assert set(p["legend"]) >= {"src", "sink"}
    assert p["records"]["series"] >= 2
    assert severe_logs(browser) == []


def test_failing_throughput_endpoint_shows_a_message(worker, browser,
                                                     tmp_path):
    w, _, _ = pipeline(worker, tmp_path)
    with BrokenMetricsProxy(w) as proxy:
        browser.get(proxy.url + "/ui")
        p = page_wait(browser, lambda: (lambda p: p if p["throughput_error"]
                                        else None)(page(browser)),
                      "the throughput error message")
        assert "metrics are down" in p["throughput_error"]
        assert p["records"]["state"] == "unavailable"
        assert p["records"]["points"] == 0
        # the rest of the page keeps working
        wait_rows(browser, {"src": "RUNNING", "sink": "RUNNING"})
        refreshes = page(browser)["refreshes"]
        page_wait(browser, lambda: page(browser)["refreshes"] > refreshes,
                  "refreshes going on")
        # only the failed requests themselves are logged, no script error
        for e in severe_logs(browser):
            assert "/metrics/throughput" in e["message"] and \
                "503" in e["message"], e


def test_page_works_behind_basic_auth(worker, browser, tmp_path):
    props, client = auth_worker(worker, tmp_path)
    w, _, _ = pipeline(worker, tmp_path, props=props, client=client)
    # what a browser sends once the user answered its login prompt
    token = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                            {"headers": {"Authorization": "Basic " + token}})
    open_dashboard(browser, w)
    wait_rows(browser, {"src": "RUNNING", "sink": "RUNNING"})
    assert page(browser)["worker_state"] == "loaded" or page_wait(
        browser, lambda: page(browser)["worker_state"] == "loaded",
        "the worker box")
    assert severe_logs(browser) == []


def test_rest_pause_shows_paused_after_refresh(worker, browser, tmp_path):
    w, _, _ = pipeline(worker, tmp_path)
    open_dashboard(browser, w)
    wait_rows(browser, {"src": "RUNNING", "sink": "RUNNING"})
    assert w.put("/connectors/src/pause").status_code == 202
    w.wait_state("src", "PAUSED", "PAUSED")
    rows = wait_rows(browser, {"src": "PAUSED"}, "src PAUSED on the page")
    assert rows["sink"]["state"] == "RUNNING"
    assert w.put("/connectors/src/resume").status_code == 202
    wait_rows(browser, {"src": "RUNNING"}, "src RUNNING again on the page")


def test_page_buttons_pause_and_resume(worker, browser, tmp_path):
    w, _, _ = pipeline(worker, tmp_path)
    open_dashboard(browser, w)
    wait_rows(browser, {"src": "RUNNING", "sink": "RUNNING"})
    page_wait(browser, lambda: click_action(browser, "sink", "pause"),
              "clicking sink's Pause")
    w.wait_state("sink", "PAUSED", "PAUSED")
    wait_rows(browser, {"sink": "PAUSED"})
    assert w.status("src")["connector"]["state"] == "RUNNING"
    page_wait(browser, lambda: click_action(browser, "sink", "resume"),
              "clicking sink's Resume")
    w.wait_state("sink", "RUNNING", "RUNNING")
    wait_rows(browser, {"sink": "RUNNING"})
    assert page(browser)["message"] is None


def test_api_errors_show_in_the_page(worker, browser, tmp_path):
    w, _, _ = pipeline(worker, tmp_path)
    # refresh=0: the page reloads data only after its own actions, so the
    # row of a connector deleted behind its back stays to be clicked
    open_dashboard(browser, w, "?refresh=0")
    wait_rows(browser, {"src": "RUNNING"})
    assert w.delete("/connectors/src").status_code == 204
    page_wait(browser, lambda: click_action(browser, "src", "pause"),
              "clicking src's Pause")
    p = page_wait(browser, lambda: (lambda p: p if p["message"] else None)(
        page(browser)), "an error message")
    api_msg = w.put("/connectors/src/pause").json()["message"]
    assert api_msg in p["message"] and "404" in p["message"], p["message"]


def test_hostile_connector_name_renders_as_text(worker, browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    w, _, _ = pipeline(worker, tmp_path, sink=HOSTILE)
    open_dashboard(browser, w)
    rows = wait_rows(browser, {"src": "RUNNING", HOSTILE: "RUNNING"})
    assert rows[HOSTILE]["name_text"] == HOSTILE
    p = page(browser)
    assert p["images"] == 0, "the name became an <img> element"
    if p["legend"]:
        assert HOSTILE in p["legend"]
    try:
        text = browser.switch_to.alert.text
        pytest.fail(f"the page ran an alert: {text!r}")
    except NoAlertPresentException:
        pass
    # the page's buttons still reach the connector (name encoded in the URL)
    page_wait(browser, lambda: click_action(browser, HOSTILE, "pause"),
              "clicking the hostile row's Pause")
    w.wait_state(HOSTILE, "PAUSED", "PAUSED")
