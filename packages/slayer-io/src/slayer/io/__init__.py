"""slayer event I/O (distribution ``slayer-io``)."""
