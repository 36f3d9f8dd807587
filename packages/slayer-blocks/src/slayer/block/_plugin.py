"""slayer-blocks's plugin: registers the block types through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_blocks():
    from ._input import Input
    from ._readout import Affine, Output
    from ._recurrent import KWTA, Recurrent
    from ._shape_blocks import Average, Flatten, TimeDecimation
    from ._synaptic import Conv, ConvT, Dense, Pool, Unpool

    return [Input, Flatten, Average, TimeDecimation, Affine, Output, Dense, Conv, ConvT, Pool, Unpool, KWTA, Recurrent]
