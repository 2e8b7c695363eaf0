"""Pictures made from the library in the background: a poster frame of each video and its
scrubbing previews (trickplay sprite sheets), cached on disk in the data directory."""
