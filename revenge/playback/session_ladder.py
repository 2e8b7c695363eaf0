"""The ladder of one session: the media's ladder, with what the player chose applied."""

from __future__ import annotations

import attrs

from revenge.config.model import PlaybackConfig
from revenge.playback.ladder import Ladder, build_ladder
from revenge.playback.session import SessionOptions
from revenge.playback.tracks import burned_track
from revenge.store.records import MediaRecord


def session_ladder(record: MediaRecord, options: SessionOptions,
                   settings: PlaybackConfig) -> Ladder:
    """The renditions a session of ``record`` streams, given its options."""
    burn = burned_track(record, options)
    ladder = build_ladder(record.probe, segment_duration=settings.segment_duration,
                          max_bitrate=options.max_bitrate,
                          remux=settings.remux and burn is None)
    if burn is not None:
        # A separate transcode: every picture has the subtitle drawn in.
        ladder = attrs.evolve(ladder, video=tuple(
            attrs.evolve(p, burn_subtitle=burn.stream_index) for p in ladder.video))
    if options.profile is not None:
        ladder = attrs.evolve(
            ladder, video=tuple(p for p in ladder.video if p.name == options.profile))
    return ladder
