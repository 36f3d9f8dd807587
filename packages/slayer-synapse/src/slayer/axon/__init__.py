"""slayer axon: fixed and learnable delays, delta encoder (distribution ``slayer-synapse``)."""
