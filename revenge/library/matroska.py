"""The last timestamp of a Matroska file, read from the file's tail by hand.

FFmpeg cannot tell it cheaply: its Matroska demuxer resynchronises a byte seek back to
where it last was, and a time seek in a file without its Cues (written last, so lost when
a file is cut short) parses every cluster up to the target. Clusters are easy to find
from the end instead: the last one whose timestamp and blocks are intact tells the end.
"""

from __future__ import annotations

import os

_CLUSTER = b"\x1f\x43\xb6\x75"
_TIMESTAMP, _SIMPLE_BLOCK, _BLOCK_GROUP, _BLOCK = 0xE7, 0xA3, 0xA0, 0xA1
_CRC32, _VOID = 0xBF, 0xEC  # may come first in any element (FFmpeg writes a CRC-32)
WINDOWS = (1 << 20, 16 << 20)  # how much of the tail is searched, then searched again


def last_timestamp(path: str | os.PathLike[str], size: int) -> int | None:
    """The latest block timestamp (in TimestampScale units) of the file's intact clusters."""
    with open(path, "rb") as file:
        for window in WINDOWS:
            begin = max(0, size - window)
            file.seek(begin)
            data = file.read(window)
            at = len(data)
            while (at := data.rfind(_CLUSTER, 0, at)) >= 0:
                found = cluster_last_timestamp(data, at + len(_CLUSTER))
                if found is not None:
                    return found
            if begin == 0:
                break
    return None


def cluster_last_timestamp(data: bytes, at: int) -> int | None:
    """The latest timestamp of the complete blocks of the cluster whose size is at ``at``.

    None when this is not a cluster (four bytes of media that look like its ID), or when
    none of its blocks is whole.
    """
    element = _size(data, at)
    if element is None:
        return None
    size, at = element
    end = len(data) if size is None else min(len(data), at + size)
    cluster: int | None = None
    latest: int | None = None
    while at < end:
        child = _element(data, at)
        if child is None:
            break
        kind, size, payload = child
        if size is None or payload + size > end:  # cut short here
            break
        if cluster is None and kind not in (_TIMESTAMP, _CRC32, _VOID):
            return None  # a cluster starts with its timestamp: this is no cluster
        if kind == _TIMESTAMP:
            cluster = int.from_bytes(data[payload:payload + size], "big")
        elif kind in (_SIMPLE_BLOCK, _BLOCK_GROUP) and cluster is not None:
            relative = _block_timestamp(data, payload, payload + size, kind == _BLOCK_GROUP)
            if relative is not None:
                stamp = cluster + relative
                latest = stamp if latest is None else max(latest, stamp)
        at = payload + size
    return latest


def _block_timestamp(data: bytes, at: int, end: int, grouped: bool) -> int | None:
    """A block's timestamp relative to its cluster (a signed 16-bit after the track)."""
    if grouped:  # a BlockGroup: find its Block
        while at < end:
            child = _element(data, at)
            if child is None:
                return None
            kind, size, payload = child
            if size is None:
                return None
            if kind == _BLOCK:
                at, end = payload, payload + size
                break
            at = payload + size
        else:
            return None
    track = _size(data, at)
    if track is None or track[1] + 2 > end:
        return None
    return int.from_bytes(data[track[1]:track[1] + 2], "big", signed=True)


def _element(data: bytes, at: int) -> tuple[int, int | None, int] | None:
    """(ID, size or None when unknown, where the payload starts) of the element at ``at``."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if length > 4 or at + length > len(data):
        return None
    kind = int.from_bytes(data[at:at + length], "big")
    size = _size(data, at + length)
    if size is None:
        return None
    return kind, size[0], size[1]


def _size(data: bytes, at: int) -> tuple[int | None, int] | None:
    """An EBML variable-size integer: (value or None for "unknown", where it ends)."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at:at + length], "big") & ((1 << (7 * length)) - 1)
    unknown = value == (1 << (7 * length)) - 1
    return None if unknown else value, at + length
