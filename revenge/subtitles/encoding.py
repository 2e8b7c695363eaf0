"""Which text encoding a sidecar file is in: subtitle files from the wild are often not
UTF-8 (Windows-1252 SubRip files are common), and ffmpeg drops what it cannot decode."""

from __future__ import annotations

import codecs

# A subtitle file is text: anything bigger is no subtitle file worth reading.
MAX_SIDECAR_BYTES = 32 * 1024 * 1024
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def charset(data: bytes) -> str | None:
    """The ``-sub_charenc`` ffmpeg needs for ``data``: None for UTF-8 and for UTF-16 with a
    byte order mark (ffmpeg reads those itself), else Windows-1252, which decodes any byte
    and is what such files most often are."""
    if data.startswith(_UTF16):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        # A file read in part may end inside a character.
        if e.start < len(data) - 3:
            return "CP1252"
    return None


def decode(data: bytes) -> str:
    """``data`` as text, in the encoding ``charset`` finds."""
    if data.startswith(_UTF16):
        return data.decode("utf-16", errors="replace")
    name = charset(data)
    return data.decode(name or "utf-8", errors="replace")
