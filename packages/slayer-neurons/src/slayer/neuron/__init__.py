"""slayer neuron models (distribution ``slayer-neurons``)."""
