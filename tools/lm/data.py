"""KJV corpus loading for the byte-level language model.

The text comes from Debian's bible-kjv package: `bible -f gen1:1-rev22:21`
prints one verse per line as "Ge1:3 And God said, ...". We drop the
reference, keep one verse per line and separate chapters by a blank line,
so the model learns plain prose rather than citation codes.

Validation is every Nth chapter (not the last books), so both splits cover
the whole range of styles: law, history, poetry, gospels and epistles.
"""

import re
import subprocess

import numpy as np

BIBLE_CMD = ["bible", "-f", "gen1:1-rev22:21"]
VERSE_RE = re.compile(r"^(\S+?)(\d+):(\d+) (.*)$")


def read_verses(cmd=BIBLE_CMD):
    """Yield (book, chapter, text) for every verse, in canonical order."""
    out = subprocess.run(cmd, check=True, capture_output=True,
                         env={"COLUMNS": "100000", "PATH": "/usr/bin:/bin"})
    for line in out.stdout.decode("ascii").splitlines():
        match = VERSE_RE.match(line)
        if match:
            book, chapter, _, text = match.groups()
            yield book, int(chapter), text.strip()


def read_chapters():
    """Return a list of chapters, each the text of its verses, one a line."""
    chapters, current, key = [], [], None
    for book, chapter, text in read_verses():
        if (book, chapter) != key and current:
            chapters.append("\n".join(current) + "\n")
            current = []
        key = (book, chapter)
        current.append(text)
    if current:
        chapters.append("\n".join(current) + "\n")
    return chapters


def split_corpus(val_every=20):
    """Return (train, val) uint8 arrays; chapter k is held out if k % N == N-1.

    Chapters are joined with a blank line between them, in both splits.
    """
    chapters = read_chapters()
    held_out = [i % val_every == val_every - 1 for i in range(len(chapters))]
    train = [c for c, h in zip(chapters, held_out) if not h]
    val = [c for c, h in zip(chapters, held_out) if h]

    def to_bytes(parts):
        return np.frombuffer("\n".join(parts).encode("ascii"), dtype=np.uint8)

    return to_bytes(train), to_bytes(val), len(chapters)


def random_batch(data, batch, seq_len, rng):
    """Random windows of seq_len+1 bytes -> (inputs, targets) int64 arrays."""
    starts = rng.integers(0, len(data) - seq_len - 1, size=batch)
    windows = np.stack([data[s:s + seq_len + 1] for s in starts])
    windows = windows.astype(np.int64)
    return windows[:, :-1], windows[:, 1:]


def eval_windows(data, seq_len, max_windows):
    """Evenly spaced, non-overlapping validation windows (deterministic)."""
    count = min(max_windows, (len(data) - 1) // seq_len)
    stride = (len(data) - 1 - seq_len) // max(count - 1, 1)
    starts = [i * stride for i in range(count)]
    windows = np.stack([data[s:s + seq_len + 1] for s in starts])
    windows = windows.astype(np.int64)
    return windows[:, :-1], windows[:, 1:]
