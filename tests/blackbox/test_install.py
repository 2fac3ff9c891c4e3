"""Black-box tests of `meson install`: what lands where, the systemd units,
the man pages, and that the shipped configuration starts the installed
binary.

The build dir (SLUICE_BUILD) is installed into a temporary --destdir with
--no-rebuild, so the test never compiles; where files go comes from
`meson introspect --installed`, so any --prefix works.
"""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import (BUILD, REPO, SANITIZER_MARKS, free_port, read_lines,
                      wait_until)

UNITS = ("sluice.service", "sluice-distributed@.service")
SHUTDOWN_LOG = "sluice stopped"


class Installed:
    """A `meson install --destdir` of the build dir."""

    def __init__(self, destdir):
        self.destdir = Path(destdir)
        r = subprocess.run(["meson", "introspect", "--installed", str(BUILD)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        self.map = json.loads(r.stdout)  # build/source path -> install path

    def path(self, name):
        """Installed path (inside destdir) of the file called name."""
        hits = [dst for dst in self.map.values() if Path(dst).name == name]
        assert len(hits) == 1, \
            f"{name} installed {len(hits)} times: {hits} (is {BUILD} " \
            f"configured with tools/packaging?)"
        return self.inside(hits[0])

    def inside(self, abs_path):
        return self.destdir / str(abs_path).lstrip("/")

    def files(self):
        return [p for p in self.destdir.rglob("*")
                if p.is_file() or p.is_symlink()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not shutil.which("meson"):
        pytest.skip("meson not on PATH")
    dest = tmp_path_factory.mktemp("destdir")
    r = subprocess.run(["meson", "install", "-C", str(BUILD), "--destdir",
                        str(dest), "--no-rebuild", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"meson install failed:\n{r.stdout}\n{r.stderr}"
    return Installed(dest)


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------ layout

@pytest.mark.parametrize("name,mode", [
    ("sluice", 0o755),
    ("sluice-standalone", 0o755),
    ("sluice.service", 0o644),
    ("sluice-distributed@.service", 0o644),
    ("sluice.1", 0o644),
    ("worker.properties", 0o644),
    ("distributed.properties.example", 0o644),
    ("file-source.properties.example", 0o644),
    ("file-sink.properties.example", 0o644),
])
def test_install_puts_file_in_place_with_mode(installed, name, mode):
    p = installed.path(name)
    assert p.is_file(), f"{p} missing after meson install"
    assert mode_of(p) == mode, f"{p}: mode {oct(mode_of(p))}, want {oct(mode)}"


def test_install_puts_sluicectl_beside_sluice(installed):
    if not any(Path(d).name == "sluicectl" for d in installed.map.values()):
        pytest.skip("this build does not have sluicectl yet")
    ctl = installed.path("sluicectl")
    assert ctl.parent == installed.path("sluice").parent
    assert mode_of(ctl) == 0o755
    if (REPO / "tools" / "packaging" / "sluicectl.1").exists():
        page = installed.path("sluicectl.1")
        assert page.parent == installed.path("sluice.1").parent


def test_install_places_configs_and_units_where_the_units_look(installed):
    etc = installed.path("worker.properties").parent
    assert etc.name == "sluice"
    assert installed.path("file-source.properties.example").parent == \
        etc / "connectors"
    conf = "/" + str(etc.relative_to(installed.destdir))
    unit = installed.path("sluice.service").read_text()
    assert re.search(r"^ExecStart=\S+ " + re.escape(conf) + r"$", unit, re.M), \
        unit
    tmpl = installed.path("sluice-distributed@.service").read_text()
    assert f" distributed {conf}/%i.properties" in tmpl, tmpl


def test_install_leaves_out_test_tools_and_plugins(installed):
    tests_src = str(REPO / "tests") + "/"
    tests_build = str(BUILD / "tests") + "/"
    from_tests = [src for src in installed.map
                  if src.startswith(tests_src) or src.startswith(tests_build)]
    assert not from_tests, f"installed from tests/: {from_tests}"
    names = [p.name for p in installed.files()]
    assert "mock-broker" not in names
    assert not [n for n in names if n.endswith(".so")], names


# ------------------------------------------------------------ systemd

def verify_copy(installed, unit_name, tmp_path):
    """The unit with its ExecStart program moved into destdir: verify
    checks that it exists and is executable."""
    text = installed.path(unit_name).read_text()
    text = re.sub(r"^(ExecStart=[-@:+!]*)(/\S+)",
                  lambda m: m.group(1) + str(installed.inside(m.group(2))),
                  text, flags=re.M)
    out = tmp_path / unit_name
    out.write_text(text)
    return out


@pytest.mark.parametrize("unit,instance", [
    ("sluice.service", "sluice.service"),
    ("sluice-distributed@.service", "sluice-distributed@prod.service"),
])
def test_unit_passes_systemd_analyze_verify(installed, tmp_path, unit,
                                            instance):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    verify_copy(installed, unit, tmp_path)
    # Documentation=man:sluice(1) is checked too: find the installed page
    env = dict(os.environ,
               MANPATH=str(installed.path("sluice.1").parent.parent),
               SYSTEMD_LOG_COLOR="0")
    r = subprocess.run(["systemd-analyze", "verify", str(tmp_path / instance)],
                       capture_output=True, text=True, timeout=120, env=env)
    # unknown keys and unparsable values are only warnings (exit 0)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        f"rc {r.returncode}\n{r.stdout}{r.stderr}"


@pytest.mark.parametrize("unit", UNITS)
def test_unit_is_hardened(installed, tmp_path, unit):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    path = verify_copy(installed, unit, tmp_path)
    # exposure 0.0 (sandboxed) .. 10.0 (none); threshold is in tenths.
    # A unit without sandboxing scores about 9.6.
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                        "--no-pager", "--threshold=30", str(path)],
                       capture_output=True, text=True, timeout=120)
    if "--offline" in r.stderr and "unrecognized" in r.stderr:
        pytest.skip("systemd-analyze security --offline unsupported")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr


def syscall_set(items, seen=None):
    """System calls named by SystemCallFilter= items, groups expanded."""
    seen = set() if seen is None else seen
    calls = set()
    for item in items:
        if not item.startswith("@"):
            calls.add(item)
        elif item not in seen:
            seen.add(item)
            r = subprocess.run(["systemd-analyze", "syscall-filter",
                                "--no-pager", item],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr
            names = [ln.strip() for ln in r.stdout.splitlines()[1:]
                     if ln.strip() and not ln.strip().startswith("#")]
            calls |= syscall_set(names, seen)
    return calls


def test_unit_syscall_filter_allows_io_uring(installed):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    text = installed.path("sluice.service").read_text()
    allowed = []
    for m in re.finditer(r"^SystemCallFilter=(?!~)(.*)$", text, re.M):
        allowed += m.group(1).split()
    assert allowed, "no SystemCallFilter allow list"
    calls = syscall_set(allowed)
    # io_uring, and what shards use for NUMA placement and CPU pinning
    for call in ("io_uring_setup", "io_uring_enter", "io_uring_register",
                 "set_mempolicy", "mbind", "sched_setaffinity"):
        assert call in calls, f"{call} not allowed by the unit"
    denied = syscall_set(" ".join(re.findall(r"^SystemCallFilter=~(.*)$",
                                             text, re.M)).split())
    assert not denied & {"io_uring_setup", "io_uring_enter",
                         "io_uring_register", "set_mempolicy", "mbind",
                         "sched_setaffinity"}, denied


def test_unit_stop_timeout_outlasts_task_shutdown(installed):
    unit = installed.path("sluice.service").read_text()
    m = re.search(r"^TimeoutStopSec=(\d+)s?$", unit, re.M)
    assert m, "TimeoutStopSec missing"
    props = installed.path("worker.properties").read_text()
    g = re.search(r"^#?task\.shutdown\.graceful\.timeout\.ms=(\d+)$", props,
                  re.M)
    assert g, "worker.properties does not show task.shutdown.graceful..."
    assert int(m.group(1)) * 1000 >= 2 * int(g.group(1)) + 10000, \
        (m.group(0), g.group(0))
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)
    assert re.search(r"^LimitMEMLOCK=infinity$", unit, re.M)


# ------------------------------------------------------------ man pages

def installed_man_pages(installed):
    return [p for p in installed.files() if re.search(r"/man\d/[^/]+\.\d$",
                                                      str(p))]


def test_man_pages_render_without_warnings(installed):
    if not shutil.which("man"):
        pytest.skip("man not installed")
    pages = installed_man_pages(installed)
    assert installed.path("sluice.1") in pages
    if (REPO / "tools" / "packaging" / "sluicectl.1").exists():
        assert installed.path("sluicectl.1") in pages
    for page in pages:
        r = subprocess.run(["man", "--warnings", "-l", str(page)],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, LC_ALL="C.UTF-8",
                                    MANWIDTH="80"))
        assert r.returncode == 0 and not r.stderr.strip(), \
            f"{page.name}: {r.stderr}"
        assert "NAME" in r.stdout and "SYNOPSIS" in r.stdout, page.name


# ------------------------------------------------------------ running it

class Run:
    """A process the test started (only this PID is ever signalled)."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.log_path = log_path
        self._logf = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._logf,
            stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})),
            cwd=cwd, start_new_session=True)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._logf.close()
        return self.proc.returncode

    def check_sanitizers(self):
        text = self.log()
        for mark in SANITIZER_MARKS:
            assert mark not in text, f"sanitizer report:\n{text[-4000:]}"


def local_config_dir(installed, tmp_path):
    """The installed etc/sluice, copied, with its paths moved into tmp_path
    and the REST port made free."""
    conf = tmp_path / "etc-sluice"
    shutil.copytree(installed.path("worker.properties").parent, conf)
    state = tmp_path / "var-lib-sluice"
    (state / "files").mkdir(parents=True)
    port = free_port()
    for p in conf.rglob("*"):
        if p.is_file():
            text = p.read_text()
            assert "/var/lib/sluice" in text or p.name.startswith("dist"), \
                f"{p.name} no longer uses /var/lib/sluice"
            text = text.replace("/var/lib/sluice", str(state))
            text = text.replace("http://127.0.0.1:8083",
                                f"http://127.0.0.1:{port}")
            p.write_text(text)
    return conf, state, f"http://127.0.0.1:{port}"


def test_installed_worker_config_starts_installed_binary(installed, tmp_path):
    conf, state, url = local_config_dir(installed, tmp_path)
    run = Run([str(installed.path("sluice")), "standalone",
               str(conf / "worker.properties")], tmp_path / "worker.log",
              env={"SLUICE_LOG_LEVEL": "INFO"}, cwd=str(state))
    try:
        root = wait_until(lambda: requests.get(url + "/", timeout=5).json(),
                          60, "GET / on the installed config",
                          on_fail=run.log)
        assert "version" in root, root
        assert run.proc.poll() is None
    finally:
        rc = run.stop()
    assert rc == 0, run.log()[-4000:]
    assert SHUTDOWN_LOG in run.log(), run.log()[-4000:]
    run.check_sanitizers()


def test_standalone_wrapper_runs_example_connectors(installed, tmp_path):
    """sluice-standalone (sluice.service's ExecStart) loads the connectors
    dir; the shipped examples, once renamed, move a file end to end."""
    conf, state, url = local_config_dir(installed, tmp_path)
    for ex in (conf / "connectors").glob("*.example"):
        ex.rename(ex.with_suffix(""))  # x.properties.example -> x.properties
    lines = [f"line {i}" for i in range(100)]
    (state / "files" / "input.txt").write_text("\n".join(lines) + "\n")
    # the wrapper execs the configured bindir's sluice: point it at destdir
    wrapper = tmp_path / "sluice-standalone"
    text = installed.path("sluice-standalone").read_text()
    exec_line = re.search(r"^exec (\S+) standalone", text, re.M)
    assert exec_line, text
    text = text.replace(exec_line.group(1),
                        str(installed.inside(exec_line.group(1))))
    wrapper.write_text(text)
    wrapper.chmod(0o755)
    run = Run([str(wrapper), str(conf)], tmp_path / "wrapper.log",
              cwd=str(state))
    try:
        names = wait_until(
            lambda: sorted(requests.get(url + "/connectors", timeout=5).json()),
            60, "the example connectors", on_fail=run.log)
        assert names == ["local-file-sink", "local-file-source"], names
        out = state / "files" / "output.txt"
        wait_until(lambda: len(read_lines(out)) >= len(lines), 60,
                   "the example sink's output", on_fail=run.log)
        assert [b.decode() for b in read_lines(out)] == lines
    finally:
        rc = run.stop()
    assert rc == 0, run.log()[-4000:]
    assert (state / "connect.offsets").exists(), \
        "offsets not written to the state directory"
    run.check_sanitizers()


def test_standalone_wrapper_refuses_missing_config(installed, tmp_path):
    r = subprocess.run([str(installed.path("sluice-standalone")),
                        str(tmp_path / "nowhere")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "worker.properties" in r.stderr, r.stderr


def test_distributed_example_starts_a_worker(installed, tmp_path, mock_broker):
    """distributed.properties.example, with bootstrap.servers pointed at a
    mock cluster holding its topics, is what sluice-distributed@ runs."""
    text = installed.path("distributed.properties.example").read_text()
    topics = {k: re.search(rf"^{re.escape(k)}=(\S+)$", text, re.M).group(1)
              for k in ("config.storage.topic", "offset.storage.topic",
                        "status.storage.topic")}
    mb = mock_broker(f"{topics['config.storage.topic']}:1",
                     f"{topics['offset.storage.topic']}:25",
                     f"{topics['status.storage.topic']}:5")
    port = free_port()
    text = re.sub(r"^bootstrap\.servers=.*$", f"bootstrap.servers={mb.bootstrap}",
                  text, flags=re.M)
    assert re.search(r"^listeners=http://:8083$", text, re.M), text
    text = text.replace("listeners=http://:8083",
                        f"listeners=http://127.0.0.1:{port}\n"
                        "rest.advertised.host.name=127.0.0.1")
    props = tmp_path / "distributed.properties"
    props.write_text(text)
    url = f"http://127.0.0.1:{port}"
    run = Run([str(installed.path("sluice")), "distributed", str(props)],
              tmp_path / "distributed.log", cwd=str(tmp_path))
    try:
        wait_until(lambda: requests.get(url + "/health", timeout=5)
                   .status_code == 200, 90, "the distributed worker joining",
                   on_fail=run.log)
        assert requests.get(url + "/connectors", timeout=10).json() == []
    finally:
        rc = run.stop()
    assert rc == 0, run.log()[-4000:]
    assert SHUTDOWN_LOG in run.log(), run.log()[-4000:]
    run.check_sanitizers()
