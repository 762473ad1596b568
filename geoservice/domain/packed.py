"""Many small byte strings kept compressed, with a zstd dictionary trained on a sample of them.

A large collection's serialized features (api/features.py, above EAGER_LIMIT) are made when
first asked for and then kept. Plain, those of 100,000 synthetic projects (bench/synth.py) are
111 MiB in each worker (1.2 KB a feature); each compressed with a dictionary trained on 2,000
of them, 5-10 MiB, and a page of 100 costs 0.05 ms to unpack against 0.7 ms to serialize again
(bench/README.md, "Memory after the load"). Each synthetic project copies one of 40 real ones,
so the dictionary holds nearly every text; features it had not seen packed 1.8-2.4 times, what
distinct real projects should expect. A feature alone is too short to compress well: what
features share (the property names, the values that recur) is in the dictionary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import zstandard

log = logging.getLogger(__name__)

DICT_BYTES = 112_640  # zstd's own default size of a trained dictionary
LEVEL = 3  # 5.1 against 5.9 MiB at level 1, at the same speed (100,000 features)
SAMPLES = 2_000  # rows serialized to train the dictionary on (at 100,000 features: 5 ms)


class Packer:
    """Packs and unpacks byte strings with one dictionary, trained at the first `pack` from the
    sample it is given. Safe to share between threads: the dictionary is set once, under a
    lock, before anything is packed; each thread has its own (de)compressor. When training fails
    (samples too few or too short) the strings are packed without a dictionary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trained = False
        self._dictionary: zstandard.ZstdCompressionDict | None = None
        self._local = threading.local()

    def _codecs(self, sample: Callable[[], list[bytes]] | None = None):
        codecs = getattr(self._local, "codecs", None)
        if codecs is None:
            with self._lock:
                if not self._trained:
                    if sample is None:
                        raise RuntimeError("nothing was packed yet")
                    self._dictionary = _train(sample())
                    self._trained = True
            extra = {} if self._dictionary is None else {"dict_data": self._dictionary}
            codecs = self._local.codecs = (
                zstandard.ZstdCompressor(level=LEVEL, write_dict_id=False, **extra),
                zstandard.ZstdDecompressor(**extra))
        return codecs

    def pack(self, items: list[bytes], sample: Callable[[], list[bytes]]) -> list[bytes]:
        """Return the items packed (`sample`: strings like them, asked for once, to train on)."""
        compress = self._codecs(sample)[0].compress
        # copied: zstandard's result keeps the allocation of the worst case (the input's size
        # and more), so kept as it is a packed feature would hold as much memory as a plain one
        return [bytes(memoryview(compress(item))) for item in items]

    def unpacking(self) -> Callable[[bytes], bytes]:
        """Return this thread's function that gives a packed item back as it was."""
        return self._codecs()[1].decompress


def _train(sample: list[bytes]) -> zstandard.ZstdCompressionDict | None:
    try:
        return zstandard.train_dictionary(DICT_BYTES, sample)
    except zstandard.ZstdError as exc:  # e.g. too few samples, or too short
        log.info("no dictionary for packing kept bytes (%s): packed without one", exc)
        return None
