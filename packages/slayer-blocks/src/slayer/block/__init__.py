"""slayer blocks (distribution ``slayer-blocks``)."""
