"""The parts of the HLS judge (``tests.hls_check.check_stream`` puts them together).

``load`` fetches playlists and segments, ``measure`` demuxes and decodes a segment with
PyAV, ``codecs`` computes RFC 6381 strings from the bitstream, ``rules``, ``timeline`` and
``master`` judge one playlist, the shared timeline and the master's attributes,
``ffmpeg_read`` reads the whole stream with ffmpeg's own HLS demuxer, ``model`` holds the
values they pass around and the :class:`~tests.hls.model.Report`.
"""
