"""hdf5 export in lava-dl's netx layout, exact round trips, lava-dl's own file, and errors on bad files."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from catalogue import NEURON_PARAMS, build, combinations

import slayer
from slayer.block import Hdf5FormatError, export_hdf5, load_hdf5

DATA = Path(__file__).parent / "data"


def _outputs(blocks, x):
    with torch.no_grad():
        outputs = []
        for block in blocks:
            x = block(x)
            outputs.append(x)
        return outputs


def test_lava_dl_exported_network_is_reproduced_block_by_block():
    reference = np.load(DATA / "cuba_alif_net.npz")
    net = load_hdf5(DATA / "cuba_alif_net.h5")
    kinds = [f"{type(b).__module__.rsplit('.', 1)[-1]}.{type(b).__name__}" for b in net.blocks]
    assert kinds == ["cuba.Conv", "cuba.Pool", "_shape_blocks.Flatten", "cuba.Dense", "alif.Dense", "cuba.Dense"]
    outputs = _outputs(net.blocks, torch.from_numpy(reference["input"]))
    for index, output in enumerate(outputs):
        expected = torch.from_numpy(reference[f"block{index}"])
        assert torch.equal(output, expected), f"block {index}"
    assert torch.equal(outputs[-1], torch.from_numpy(reference["output"]))
    assert net.blocks[3].delay.integer_delay().tolist() == [float(i % 3) for i in range(14)]


def test_loaded_lava_network_trains():
    net = load_hdf5(DATA / "cuba_alif_net.h5")
    x = torch.from_numpy(np.load(DATA / "cuba_alif_net.npz")["input"])
    net(x).sum().backward()
    assert net.blocks[3].synapse.weight.grad is not None and net.blocks[0].synapse.weight.grad.abs().sum() > 0


@pytest.mark.parametrize(("family", "block"), combinations())
def test_round_trip_gives_identical_outputs(tmp_path, family, block):
    module, x = build(family, block)
    with torch.no_grad():
        module(x)  # shapes are found at the first forward
    if module.delay is not None:
        with torch.no_grad():
            module.delay.delay.copy_(torch.arange(module.delay.delay.numel()) % 4 + 0.7)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    export_hdf5([module], tmp_path / "net.h5")
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())  # export never mutates
    [loaded] = load_hdf5(tmp_path / "net.h5").blocks
    assert type(loaded) is type(module)
    module.reset_state()
    with torch.no_grad():
        expected, actual = module(x), loaded(x)
    assert torch.equal(expected, actual)
    # the loaded block is trainable
    loaded(x).sum().backward() if any(p.requires_grad for p in loaded.parameters()) else None


def test_dense_layout_matches_the_spec(tmp_path):
    torch.manual_seed(0)
    params = dict(threshold=1.25, current_decay=0.25, voltage_decay=0.03)
    block = slayer.block.cuba.Dense(params, 6, 4, weight_scale=5, delay=True)
    block((torch.rand(1, 6, 5) < 0.5).float())
    export_hdf5([block], tmp_path / "net.h5")
    with h5py.File(tmp_path / "net.h5") as file:
        layer = file["layer/0"]
        assert layer["type"].dtype == np.dtype("S10") and layer["type"].shape == (1,)
        assert layer["type"][0] == b"dense"
        assert layer["shape"].dtype == np.int64 and layer["shape"][()].tolist() == [4]
        assert layer["inFeatures"][()] == 6 and layer["outFeatures"][()] == 4
        weight = layer["weight"][()]
        assert weight.dtype == np.float32 and weight.shape == (4, 6)
        assert (weight % 2 == 0).all() and weight.min() >= -256 and weight.max() <= 254
        assert layer["delay"].dtype == np.float32 and layer["delay"].shape == (4,)
        neuron = layer["neuron"]
        assert neuron["type"][()] == b"CUBA" and h5py.check_string_dtype(neuron["type"].dtype) is not None
        assert neuron["iDecay"][()] == 1024 and neuron["vDecay"][()] == 123 and neuron["vThMant"][()] == 80
        assert neuron["refDelay"][()] == 1 and neuron["gradedSpike"][()] == np.False_
        assert neuron["iDecay"].dtype == np.int64


def test_conv_pool_recurrent_and_affine_layouts(tmp_path):
    torch.manual_seed(0)
    p = NEURON_PARAMS["cuba"]
    conv = slayer.block.cuba.Conv(p, 2, 4, 3, padding=1, stride=(1, 2))
    pool = slayer.block.cuba.Pool(p, 2)
    recurrent = slayer.block.cuba.Recurrent(p, 5, 3)
    affine = slayer.block.cuba.Affine(p, 3, 2)
    conv(torch.zeros(1, 2, 6, 6, 3))
    pool(torch.zeros(1, 4, 6, 3, 3))
    affine(recurrent(torch.zeros(1, 5, 3)))
    export_hdf5([conv, pool, recurrent, affine], tmp_path / "net.h5")
    with h5py.File(tmp_path / "net.h5") as file:
        c, q, r, a = (file[f"layer/{i}"] for i in range(4))
        assert c["type"][0] == b"conv" and c["shape"][()].tolist() == [4, 6, 3]
        assert c["kernelSize"][()].tolist() == [3, 3] and c["stride"][()].tolist() == [1, 2]
        assert c["padding"][()].tolist() == [1, 1] and c["dilation"][()].tolist() == [1, 1]
        assert c["weight"].shape == (4, 2, 3, 3) and c["groups"][()] == 1
        assert q["type"][0] == b"pool" and q["weight"].shape == (1, 1, 2, 2) and q["weight"][0, 0, 0, 0] == 64
        assert r["type"][0] == b"dense_rec" and r["weight"].shape == (3, 5) and r["weight_rec"].shape == (3, 3)
        assert a["type"][0] == b"dense" and a["neuron/vThMant"][()] == (1 << 18) - 1


def test_complex_blocks_export_real_and_imaginary_weights(tmp_path):
    block = slayer.block.rf.Conv(NEURON_PARAMS["rf"], 2, 3, 3)
    block(torch.zeros(1, 2, 5, 5, 4))
    export_hdf5([block], tmp_path / "net.h5")
    with h5py.File(tmp_path / "net.h5") as file:
        assert file["layer/0/weight/real"].shape == (3, 2, 3, 3) and file["layer/0/weight/imag"].shape == (3, 2, 3, 3)
        assert file["layer/0/neuron/type"][()] == b"RF_PHASE"


def test_export_before_the_first_forward_says_what_to_do(tmp_path):
    block = slayer.block.cuba.Conv(NEURON_PARAMS["cuba"], 2, 3, 3)
    with pytest.raises(RuntimeError, match="run the network once"):
        export_hdf5([block], tmp_path / "net.h5")
    with pytest.raises(TypeError, match=r"blocks\[0\] is a Linear"):
        export_hdf5([torch.nn.Linear(2, 2)], tmp_path / "net.h5")


def test_export_keeps_weight_norm_and_round_trips_it(tmp_path):
    block = slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 6, 4, weight_scale=4, weight_norm=True)
    x = (torch.rand(2, 6, 8) < 0.5).float()
    with torch.no_grad():
        expected = block(x)
    export_hdf5([block], tmp_path / "net.h5")
    assert block.synapse.weight_norm_enabled
    [loaded] = load_hdf5(tmp_path / "net.h5").blocks
    assert loaded.synapse.weight_norm_enabled
    with torch.no_grad():
        assert torch.equal(loaded(x), expected)


def _network_file(tmp_path) -> Path:
    torch.manual_seed(1)
    flatten, block = slayer.block.Flatten(), slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 6, 4)
    block(flatten(torch.zeros(1, 6, 1, 1, 3)))
    path = tmp_path / "net.h5"
    export_hdf5([flatten, block], path)
    return path


def _edit(path: Path, action) -> Path:
    with h5py.File(path, "a") as file:
        action(file)
    return path


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda f: f["layer/1"].__delitem__("weight"), r"layer/1/weight: missing dataset"),
        (lambda f: (f["layer/1"].__delitem__("weight"), f["layer/1"].create_dataset("weight", data=np.zeros((2, 2)))),
         r"layer/1/weight: expected 24 values"),
        (lambda f: (f["layer/1"].__delitem__("type"), f["layer/1"].create_dataset("type", data=[b"blob"])),
         "unknown layer type 'blob'"),
        (lambda f: f["layer"].move("1", "7"), r"named 0\.\.n-1"),
        (lambda f: (f["layer/1/neuron"].__delitem__("type"), f["layer/1/neuron"].create_dataset("type", data=b"ZZZ")),
         r"layer/1/neuron/type: no registered neuron model has device type 'ZZZ'"),
        (lambda f: f.__delitem__("layer"), "no group 'layer'"),
    ],
)  # fmt: skip
def test_corrupt_files_name_the_layer_and_dataset(tmp_path, action, message):
    path = _network_file(tmp_path)
    with h5py.File(path, "a") as file:  # a foreign writer: no slayer description
        for name in ("0", "1"):
            if "layer" in file and name in file["layer"]:
                file[f"layer/{name}"].attrs.pop("slayer", None)
    _edit(path, action)
    with pytest.raises(Hdf5FormatError, match=message):
        load_hdf5(path)


def test_nan_weights_and_truncated_or_foreign_files_are_rejected(tmp_path):
    path = _network_file(tmp_path)
    _edit(path, lambda f: f["layer/1/weight"].__setitem__((0, 0), np.nan))
    with pytest.raises(Hdf5FormatError, match=r"layer/1/weight: holds NaN"):
        load_hdf5(path)
    data = _network_file(tmp_path).read_bytes()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(Hdf5FormatError, match="truncated.h5"):
        load_hdf5(truncated)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not hdf5")
    with pytest.raises(Hdf5FormatError, match="not a readable hdf5 file"):
        load_hdf5(foreign)


def test_sequential_runs_exports_and_resets(tmp_path):
    net = load_hdf5(DATA / "cuba_alif_net.h5")
    x = torch.from_numpy(np.load(DATA / "cuba_alif_net.npz")["input"])
    with torch.no_grad():
        y = net(x)
    net.export_hdf5(tmp_path / "again.h5")
    with torch.no_grad():
        assert torch.equal(load_hdf5(tmp_path / "again.h5")(x), y)


def test_sigma_delta_bias_round_trips(tmp_path):
    block = slayer.block.sigma_delta.Dense(NEURON_PARAMS["sigma_delta"], 6, 4, weight_scale=4)
    block.neuron.set_bias(torch.tensor([0.5, -0.25, 0.0, 1.0]))
    x = torch.rand(2, 6, 10)
    with torch.no_grad():
        expected = block(x)
    export_hdf5([block], tmp_path / "net.h5")
    [loaded] = load_hdf5(tmp_path / "net.h5").blocks
    assert loaded.neuron.bias_is_set
    with torch.no_grad():
        assert torch.equal(loaded(x), expected)
