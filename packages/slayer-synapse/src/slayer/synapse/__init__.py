"""slayer synapses (distribution ``slayer-synapse``)."""
