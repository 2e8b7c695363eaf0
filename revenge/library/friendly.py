"""Media facts as people say them: "MKV", "H.264", "HEVC 10-bit HDR", "AAC 5.1",
"1080p", "1:42:05", "1.4 GB" (the probe keeps FFmpeg's names; this is for reading)."""

from __future__ import annotations

import os

from revenge.store.records import MediaRecord, StreamInfo

# By file extension first: FFmpeg names MP4, MOV and M4A alike ("mov,mp4,m4a,...") and
# Matroska and WebM alike.
_BY_EXTENSION = {
    ".mkv": "MKV", ".mka": "MKA", ".webm": "WebM", ".mp4": "MP4", ".m4v": "MP4",
    ".m4a": "M4A", ".m4b": "M4B", ".mov": "MOV", ".avi": "AVI", ".ts": "MPEG-TS",
    ".m2ts": "M2TS", ".mts": "M2TS", ".m2t": "MPEG-TS", ".mpg": "MPEG-PS", ".mpeg": "MPEG-PS",
    ".vob": "VOB", ".wmv": "WMV", ".asf": "ASF", ".wma": "WMA", ".flv": "FLV",
    ".ogv": "Ogg", ".ogg": "Ogg", ".oga": "Ogg", ".opus": "Opus", ".3gp": "3GP",
    ".mp3": "MP3", ".flac": "FLAC", ".wav": "WAV", ".aac": "AAC", ".aiff": "AIFF",
    ".aif": "AIFF", ".ac3": "AC-3", ".dts": "DTS", ".ape": "APE", ".wv": "WavPack",
}
_CODECS = {
    "h264": "H.264", "hevc": "HEVC", "av1": "AV1", "vp9": "VP9", "vp8": "VP8",
    "mpeg4": "MPEG-4", "mpeg2video": "MPEG-2", "mpeg1video": "MPEG-1", "msmpeg4v3": "DivX 3",
    "wmv3": "WMV", "vc1": "VC-1", "prores": "ProRes", "mjpeg": "MJPEG", "theora": "Theora",
    "aac": "AAC", "mp3": "MP3", "ac3": "AC-3", "eac3": "E-AC-3", "dts": "DTS",
    "truehd": "TrueHD", "flac": "FLAC", "opus": "Opus", "vorbis": "Vorbis", "alac": "ALAC",
    "mp2": "MP2", "wmav2": "WMA", "ape": "APE", "wavpack": "WavPack",
}
_CHANNELS = {1: "mono", 2: "stereo", 6: "5.1", 7: "6.1", 8: "7.1"}
_HDR = {"pq": "HDR", "hlg": "HLG"}


def codec_name(codec: str | None) -> str | None:
    """``hevc`` → ``HEVC``; an unknown codec in capitals; None stays None."""
    if codec is None:
        return None
    if codec.startswith("pcm_"):
        return "PCM"
    return _CODECS.get(codec, codec.upper())


def container_name(path: str, container: str | None) -> str | None:
    """The file's format as people name it (``MKV``, ``MP4``)."""
    by_extension = _BY_EXTENSION.get(os.path.splitext(path)[1].lower())
    if by_extension or not container:
        return by_extension
    return container.split(",", 1)[0].upper()


def video_name(stream: StreamInfo) -> str | None:
    """``H.264``, ``HEVC 10-bit HDR``: the codec, its depth past 8 bits, its dynamic range."""
    name = codec_name(stream.codec)
    if name is None:
        return None
    parts = [name]
    if stream.bit_depth and stream.bit_depth > 8:
        parts.append(f"{stream.bit_depth}-bit")
    if stream.color_transfer in _HDR:
        parts.append(_HDR[stream.color_transfer])
    return " ".join(parts)


def channels_name(stream: StreamInfo) -> str | None:
    """``5.1``, ``stereo``, or ``3 ch``."""
    if not stream.channels:
        return None
    return _CHANNELS.get(stream.channels, f"{stream.channels} ch")


def audio_name(stream: StreamInfo) -> str | None:
    """``AAC 5.1``, ``FLAC stereo``."""
    return " ".join(p for p in (codec_name(stream.codec), channels_name(stream)) if p) or None


def resolution_name(stream: StreamInfo) -> str | None:
    """``4K``, ``1080p``, ``720p``, ``480p``, else the height: the size as shown."""
    width = stream.display_width or stream.width
    height = stream.display_height or stream.height
    if not width or not height:
        return None
    long_side, short_side = max(width, height), min(width, height)
    for name, wide, tall in (("4K", 3200, 2000), ("1080p", 1800, 1000), ("720p", 1200, 700)):
        if long_side >= wide or short_side >= tall:
            return name
    return f"{short_side}p"


def duration_name(seconds: float | None) -> str | None:
    """``1:42:05`` (or ``3:07`` under an hour)."""
    if seconds is None:
        return None
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size_name(size: int) -> str:
    """``1.4 GB``, ``350 MB``, ``12 KB`` (decimal units, as disks are sold)."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} B"


def details(record: MediaRecord) -> dict[str, str | None]:
    """The friendly facts of a media item, for the media JSON."""
    probe = record.probe
    video = probe.video
    audio = probe.audio[0] if probe.audio else None
    return {
        "container": container_name(record.path, probe.container),
        "video": video_name(video) if video else None,
        "resolution": resolution_name(video) if video else None,
        "audio": audio_name(audio) if audio else None,
        "channels": channels_name(audio) if audio else None,
        "duration": duration_name(probe.duration),
        "size": size_name(record.size),
    }
