"""A strict judge of an HLS VOD stream served over HTTP: :func:`check_stream`.

It fetches the master playlist, every media playlist it names (variants and audio
renditions), every segment and init section; demuxes and decodes them with PyAV; and
reports, as :class:`~tests.hls.model.Finding` values, everything a careful judge would
object to: EXTINF against the real media, gaps and overlaps, misaligned renditions, first
frames off timeline 0, segments not starting with a keyframe, master attributes
(RESOLUTION, CODECS, BANDWIDTH, FRAME-RATE, VIDEO-RANGE, AUDIO, CHANNELS) that do not
describe the media, and what ffmpeg's own HLS demuxer makes of the whole stream.

    report = check_stream(url, expected_duration=30.016, has_video=True, has_audio=True)
    assert report.ok, report
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin

import m3u8

from tests.hls.ffmpeg_read import judge_read, read_with_ffmpeg
from tests.hls.load import Fetcher, HttpAnswer, HttpGet, load_playlist, urllib_get
from tests.hls.master import Rendition, Variant, figures, judge_variants
from tests.hls.model import ERROR, INFO, Finding, Playlist, Report
from tests.hls.rules import Expect, judge_playlist
from tests.hls.timeline import judge_timeline, stream_offset

__all__ = ["Finding", "HttpAnswer", "Report", "check_stream"]


def check_stream(
    master_url: str, *, expected_duration: float, has_video: bool, has_audio: bool,
    segment_duration: float | None = None, bootstrap: float = 0.0,
    variants: Sequence[int] | None = None, expected_video_range: str | None = None,
    expected_aspect: float | None = None,
    decode_all: bool = False, ffmpeg: bool = True, http_get: HttpGet | None = None,
) -> Report:
    """Judge the HLS stream at ``master_url`` (a master or a lone media playlist).

    ``segment_duration``: every segment but the last must be that long and segment N
    must start at N times it; with ``bootstrap``, the first ``segment_duration`` seconds are
    cut every ``bootstrap`` seconds instead (``Timeline``'s bootstrap grid). ``variants``:
    indices of the master's variants to check (default all; their audio groups come
    along). ``expected_video_range`` ("SDR", "PQ",
    "HLG") and ``expected_aspect`` (display width / height) are checked of each video
    variant. ``decode_all`` decodes every frame, not just each segment's first.
    ``ffmpeg=False`` skips the read through ffmpeg's HLS demuxer. ``http_get`` replaces
    urllib (it takes a URL and returns an :class:`HttpAnswer`).
    """
    expect = Expect(expected_duration, has_video, has_audio, segment_duration,
                    expected_video_range, expected_aspect, bootstrap)
    fetcher = Fetcher(http_get or urllib_get)
    master, _, findings = fetcher.playlist(master_url, "master")
    if master is None:
        return Report(master_url, None, tuple(findings))
    if master.is_variant:
        chosen, more = _variants(fetcher, master_url, master, variants, decode_all)
        findings += more
        playlists = _playlists(chosen)
    else:
        chosen = []
        playlist, more = load_playlist(fetcher, master_url, label="media playlist",
                                       role="variant", decode_all=decode_all)
        findings += more
        playlists = [playlist] if playlist else []
    offset = stream_offset(playlists)
    for playlist in playlists:
        findings += judge_playlist(playlist, offset or 0.0, expect)
    if offset is not None:
        findings += judge_timeline(playlists, offset, expect)
    measured = [figures(variant) for variant in chosen]
    findings += judge_variants(chosen, measured, expect)
    read = None
    if ffmpeg:
        read = read_with_ffmpeg(master_url, has_audio=has_audio)
        findings += judge_read(read, expected_duration=expected_duration, has_audio=has_audio)
    return Report(master_url, offset, tuple(findings), tuple(measured), tuple(playlists),
                  read)


def _playlists(chosen: Sequence[Variant]) -> list[Playlist]:
    """The distinct media playlists of the checked variants, variants first."""
    found: list[Playlist] = []
    for playlist in [v.playlist for v in chosen] + [r.playlist for v in chosen
                                                    for r in v.renditions]:
        if playlist is not None and all(playlist.uri != p.uri for p in found):
            found.append(playlist)
    return found


def _renditions(fetcher: Fetcher, master_url: str, master: m3u8.M3U8, groups: set[str],
                decode_all: bool) -> tuple[dict[str, list[Rendition]], list[Finding]]:
    """The audio renditions of ``groups``, by group, each with its measured playlist."""
    found: dict[str, list[Rendition]] = {}
    findings: list[Finding] = []
    for media in master.media:
        if media.type != "AUDIO" or media.group_id not in groups:
            continue
        label = f"audio {media.group_id!r}/{media.name!r}"
        playlist = None
        if media.uri:  # without a URI the audio is the one muxed into the variants
            playlist, more = load_playlist(fetcher, urljoin(master_url, media.uri),
                                           label=label, role="audio", decode_all=decode_all)
            findings += more
        found.setdefault(media.group_id, []).append(
            Rendition(label, media.group_id, media, playlist))
    return found, findings


def _variants(fetcher: Fetcher, master_url: str, master: m3u8.M3U8,
              indices: Sequence[int] | None,
              decode_all: bool) -> tuple[list[Variant], list[Finding]]:
    """Load the chosen variants and the audio renditions of their groups."""
    findings: list[Finding] = []
    if not master.playlists:
        findings.append(Finding(ERROR, "variants", "master", "no EXT-X-STREAM-INF variants"))
    for kind, entries in (("I-frame", master.iframe_playlists),
                          ("subtitle", [m for m in master.media if m.type == "SUBTITLES"])):
        if entries:
            findings.append(Finding(INFO, "not-checked", "master",
                                    f"{len(entries)} {kind} playlists are not checked"))
    picked = list(indices if indices is not None else range(len(master.playlists)))
    groups = {master.playlists[i].stream_info.audio for i in picked} - {None}
    renditions, more = _renditions(fetcher, master_url, master, groups, decode_all)
    findings += more
    chosen = []
    for index in picked:
        entry = master.playlists[index]
        label = f"variant {index} ({entry.uri.split('?')[0]})"
        playlist, more = load_playlist(fetcher, urljoin(master_url, entry.uri), label=label,
                                       role="variant", decode_all=decode_all)
        findings += more
        group = entry.stream_info.audio
        chosen.append(Variant(label, entry.stream_info, playlist,
                              tuple(renditions.get(group, [])) if group else ()))
    return chosen, findings
