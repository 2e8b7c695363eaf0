"""Text subtitles: the tracks of a media (embedded streams and sidecar files), their cues
extracted once by ffmpeg into a bounded cache, and WebVTT as players take it."""
