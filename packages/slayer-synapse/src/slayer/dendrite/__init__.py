"""slayer dendrite: sigma decoder (distribution ``slayer-synapse``)."""
