"""Processes the benchmark drives: the mock broker, sluice workers (REST)
and kcat, plus per-process CPU/RSS sampling from /proc."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL_S = 0.02


class BenchError(Exception):
    pass


# ------------------------------------------------------------ /proc

def proc_cpu(pid):
    """user+sys CPU seconds of a live process (all threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime/stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_rusage(proc, timeout, poll=None):
    """Reap proc with wait4; poll() (if given) runs every POLL_S until the
    process exits. Returns (exit status, rusage, elapsed at exit)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru, time.monotonic()
        if poll:
            poll()
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise BenchError("%s timed out after %ds" % (proc.args[0], timeout))
        time.sleep(POLL_S)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------- mock

class MockBroker:
    def __init__(self, exe, brokers, workdir):
        self.bsfile = os.path.join(workdir, "bootstrap.txt")
        if os.path.exists(self.bsfile):
            os.unlink(self.bsfile)
        self.log = open(os.path.join(workdir, "mock-broker.log"), "w")
        self.proc = subprocess.Popen(
            [exe, "-b", str(brokers), "-f", self.bsfile],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            text=True, bufsize=1)
        deadline = time.monotonic() + 10
        while not (os.path.exists(self.bsfile) and os.path.getsize(self.bsfile)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("mock-broker did not start (see %s)" % self.log.name)
            time.sleep(0.02)
        with open(self.bsfile) as f:
            self.bootstrap = f.read().strip()
        line = self.proc.stdout.readline()  # BOOTSTRAP=...
        if not line.startswith("BOOTSTRAP="):
            raise BenchError("mock-broker said %r" % line)

    def command(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if not reply.startswith("OK"):
            raise BenchError("mock-broker %r: %s" % (cmd, reply or "no reply"))
        return reply

    def create(self, topic, partitions):
        self.command("create %s %d" % (topic, partitions))

    def rss_mib(self):
        return proc_status_kib(self.proc.pid, "VmRSS") / 1024

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ----------------------------------------------------------- worker

class Worker:
    """A standalone sluice worker with no connectors, REST on a free
    port."""

    def __init__(self, exe, rundir, bootstrap, settings):
        os.makedirs(rundir, exist_ok=True)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        props = {
            "bootstrap.servers": bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": os.path.join(rundir, "offsets"),
            "offset.flush.interval.ms": "10000",
            "listeners": self.url,
        }
        props.update(settings)
        self.props_path = os.path.join(rundir, "worker.properties")
        with open(self.props_path, "w") as f:
            for k, v in props.items():
                f.write("%s=%s\n" % (k, v))
        self.log_path = os.path.join(rundir, "worker.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [exe, "standalone", self.props_path], stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 20
        while True:
            try:
                self.rest("GET", "/")
                break
            except (OSError, BenchError):
                if self.proc.poll() is not None:
                    raise BenchError("worker exited with %s (see %s)" %
                                     (self.proc.returncode, self.log_path))
                if time.monotonic() > deadline:
                    raise BenchError("worker REST did not come up (%s)" % self.log_path)
                time.sleep(0.05)

    def rest(self, method, path, body=None, timeout=10):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            raise BenchError("%s %s: %d %s" % (method, path, e.code,
                                               e.read().decode(errors="replace")))
        return json.loads(text) if text else None

    def alive(self):
        return self.proc.poll() is None

    def cpu(self):
        return proc_cpu(self.pid)

    def hwm_mib(self):
        return proc_status_kib(self.pid, "VmHWM") / 1024

    def rss_mib(self):
        return proc_status_kib(self.pid, "VmRSS") / 1024

    def log_text(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
