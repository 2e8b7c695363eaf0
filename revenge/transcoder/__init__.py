"""The embedded Blackbeard: a transcoder that runs ffmpeg and serves the Blackbeard contract."""
