"""Benchmark input files: N lines of exactly `size` bytes plus '\n'.

Each line is a 16-hex-digit sequence number followed by pseudo-random
text from a 64-character alphabet (the same shape DataGenSource
generates), so values differ and compress like typical text (zstd gets
about 3/4). Files are kept in the work dir and reused while their
parameters match (a small .meta file next to each records them).
"""
import os
import random

ALPHABET = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            b"0123456789-_")
BLOCK = 1 << 20
LINES_PER_WRITE = 16384


def _block(seed):
    rnd = random.Random(seed)
    return bytes(ALPHABET[b & 63] for b in rnd.randbytes(BLOCK))


def lines_file(path, count, size, seed=1):
    """Create (or reuse) path with count lines of size bytes each (newline
    not counted); returns the file size in bytes."""
    if size < 17:
        raise ValueError("line size must be > 16")
    want = count * (size + 1)
    meta = path + ".meta"
    tag = "%d %d %d\n" % (count, size, seed)
    try:
        with open(meta) as f:
            if f.read() == tag and os.path.getsize(path) == want:
                return want
    except OSError:
        pass
    block = _block(seed)
    text = size - 16
    span = BLOCK - text
    tmp = path + ".tmp"
    with open(tmp, "wb", buffering=1 << 20) as f:
        i = 0
        while i < count:
            n = min(LINES_PER_WRITE, count - i)
            parts = []
            for k in range(i, i + n):
                o = (k * 7919) % span
                parts.append(b"%016x" % k)
                parts.append(block[o:o + text])
                parts.append(b"\n")
            f.write(b"".join(parts))
            i += n
    os.replace(tmp, path)
    with open(meta, "w") as f:
        f.write(tag)
    return want


def warm(path):
    """Read a file once so the runs find it in the page cache."""
    with open(path, "rb", buffering=0) as f:
        while f.read(8 << 20):
            pass
