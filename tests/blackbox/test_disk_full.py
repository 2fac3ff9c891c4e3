"""FileStreamSink on a disk that fills up: no record lost, none written
twice, no partial line, and the task carries on by itself once there is
room again (it retries with back-off instead of failing).

The disk is a small tmpfs (or, where tmpfs cannot be mounted, a loop-mounted
ext4 image), filled with a filler file until only a little room is left.
"""

import os
import shutil
import subprocess
import time

import pytest

from conftest import FILE_SINK, produce, wait_until, write_properties

TOPIC = "full-in"
LINE_PAD = "x" * 48


def line(i):
    return f"rec-{i:06d}-{LINE_PAD}"


def expected(n):
    return [line(i).encode() for i in range(n)]


def _run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


class SmallFs:
    """A small file system mounted at .dir; .fill(leave) writes a filler
    file so that about `leave` bytes stay free; .free_up() deletes it."""

    def __init__(self, base):
        self.dir = base / "small"
        self.dir.mkdir()
        self.kind = None
        self.image = base / "small.img"
        r = _run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                 str(self.dir))
        if r.returncode == 0:
            self.kind = "tmpfs"
            return
        why = [f"tmpfs: {r.stderr.strip()}"]
        if shutil.which("mkfs.ext4"):
            with open(self.image, "wb") as f:
                f.truncate(2 << 20)
            r = _run("mkfs.ext4", "-q", "-F", "-m", "0", str(self.image))
            if r.returncode == 0:
                r = _run("mount", "-o", "loop", str(self.image),
                         str(self.dir))
                if r.returncode == 0:
                    self.kind = "ext4-loop"
                    return
            why.append(f"loop ext4: {r.stderr.strip()}")
        else:
            why.append("loop ext4: mkfs.ext4 not installed")
        pytest.skip("cannot mount a small file system to fill up (" +
                    "; ".join(why) + ")")

    def free(self):
        st = os.statvfs(self.dir)
        return st.f_bfree * st.f_frsize

    def fill(self, leave):
        with open(self.dir / "filler", "wb") as f:
            left = self.free() - leave
            while left > 0:
                n = min(left, 64 << 10)
                try:
                    f.write(b"\0" * n)
                    f.flush()
                except OSError:
                    break
                left -= n
        assert self.free() <= leave + 8192, self.free()

    def free_up(self):
        os.unlink(self.dir / "filler")

    def umount(self):
        if self.kind is None:
            return
        if _run("umount", str(self.dir)).returncode != 0:
            # a worker still holding the file: detach now, free later
            _run("umount", "-l", str(self.dir))
        self.kind = None


@pytest.fixture
def small_fs(tmp_path):
    fs = SmallFs(tmp_path)
    yield fs
    fs.umount()


def file_lines(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], True
    return data.split(b"\n")[:-1], data == b"" or data.endswith(b"\n")


def check_prefix(path, n_total):
    """The file is whole lines, each record once, in order: a prefix of
    the records produced. Returns how many it holds."""
    lines, whole = file_lines(path)
    assert whole, f"partial line at the end of {path}: {lines[-1:]}"
    assert lines == expected(n_total)[:len(lines)], \
        f"{path}: not the records in order, once each " \
        f"({len(lines)} lines, first bad: " \
        f"{next((i for i, (a, b) in enumerate(zip(lines, expected(n_total))) if a != b), None)})"
    return len(lines)


def connector_file(tmp_path, out):
    return write_properties(tmp_path / "full-sink.properties", {
        "name": "full-sink", "connector.class": FILE_SINK,
        "tasks.max": "1", "topics": TOPIC, "file": str(out)})


def fill_until_full(w, fs, mb, out, first, total):
    """Writes records [0, first) while there is room, then records up to
    total that do not fit; waits for the task to report the full disk."""
    produce(mb.bootstrap, TOPIC, [line(i) for i in range(first)])
    w.wait_for(lambda: file_lines(out)[0].__len__() == first, 30,
               "the records that fit")
    produce(mb.bootstrap, TOPIC, [line(i) for i in range(first, total)])
    w.wait_for(lambda: "cannot write to" in w.log(), 30,
               "the sink reporting the full disk")
    assert "No space left on device" in w.log() or \
        "Disk quota exceeded" in w.log()


def test_disk_full_retried_then_resumes(mock_broker, worker, small_fs,
                                        tmp_path):
    total, first = 2400, 400  # 61 bytes a line: 24 KiB fit, 146 KiB not
    mb = mock_broker(f"{TOPIC}:1")
    out = small_fs.dir / "out.txt"
    small_fs.fill(64 << 10)
    w = worker.start({"bootstrap.servers": mb.bootstrap},
                     [connector_file(tmp_path, out)])
    w.wait_running("full-sink")
    fill_until_full(w, small_fs, mb, out, first, total)

    # retrying, not failed; the file holds whole lines only, each once
    time.sleep(2)
    st = w.status("full-sink")
    assert st["tasks"][0]["state"] == "RUNNING", st
    held = check_prefix(out, total)
    assert first <= held < total

    small_fs.free_up()
    w.wait_for(lambda: len(file_lines(out)[0]) >= total, 30,
               "every record once there is room")
    time.sleep(1)  # nothing more arrives
    assert check_prefix(out, total) == total
    assert "again after" in w.log()
    assert w.status("full-sink")["tasks"][0]["state"] == "RUNNING"


def test_disk_full_kill9_then_restart(mock_broker, worker, small_fs,
                                      tmp_path):
    """kill -9 while the disk is full, free space, restart: every record
    exactly once. The sink commits offsets only for puts that were written
    whole (and flushed), and a put that hit the full disk is cut back out
    of the file, so after the restart the file ends exactly where the
    committed offsets resume. The task keeps committing while it waits for
    room, so one flush interval (1 s here) after the disk filled nothing
    written is left uncommitted; the kill comes later than that. (A kill
    during normal operation can repeat at most the records written in the
    last flush interval: the file sink keeps no offsets of its own.)"""
    total, first = 2400, 400
    mb = mock_broker(f"{TOPIC}:1")
    out = small_fs.dir / "out.txt"
    small_fs.fill(64 << 10)
    props = {"bootstrap.servers": mb.bootstrap,
             "offset.flush.interval.ms": "1000"}
    w = worker.start(props, [connector_file(tmp_path, out)])
    w.wait_running("full-sink")
    fill_until_full(w, small_fs, mb, out, first, total)
    time.sleep(3)  # > offset.flush.interval.ms: the last good put committed
    held = check_prefix(out, total)
    w.kill9()
    assert check_prefix(out, total) == held  # nothing half-written left

    small_fs.free_up()
    w2 = w.restart()
    w2.wait_for(lambda: len(file_lines(out)[0]) >= total, 30,
                "every record after the restart")
    time.sleep(1)
    lines, whole = file_lines(out)
    dups = len(lines) - len(set(lines))
    assert whole and dups == 0, f"{dups} records written twice"
    assert check_prefix(out, total) == total
