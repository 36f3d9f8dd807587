"""slayer-izhikevich: Izhikevich's quadratic neuron with a recovery variable, as a slayer plugin.

After ``pip install slayer-izhikevich``, slayer finds the model by its name: ``slayer.block.izhikevich.Dense``
and the other block types, hdf5 export and import, ``python -m slayer plugins``.
"""

from .neuron import Neuron as Neuron

__version__ = "0.1.0"
__all__ = ["Neuron"]
