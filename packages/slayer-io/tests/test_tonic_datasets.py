"""Fake N-MNIST / SHD / DVS Gesture in tonic's layouts, loaded offline by tonic's real classes, binned and cached."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from reference import reference_dense

from slayer.io.cache import CachedDataset
from slayer.io.dense import EventCollate, ToSlayerTensor
from slayer.io.testing import make_fake_dvsgesture, make_fake_nmnist, make_fake_shd, offline_tonic

tonic = pytest.importorskip("tonic", reason="needs the slayer-io[tonic] extra")

CASES = {
    # name: (writer, tonic class, sensor_size, time_step µs, duration µs)
    "NMNIST": (make_fake_nmnist, "NMNIST", (34, 34, 2), 1000, 300_000),
    "SHD": (make_fake_shd, "SHD", (700, 1, 1), 10_000, 1_000_000),
    "DVSGesture": (make_fake_dvsgesture, "DVSGesture", (128, 128, 2), 50_000, 1_975_000),  # last bin partial
}


def load(name: str, root: Path, **kwargs):
    writer, cls, *_ = CASES[name]
    written = writer(root, **kwargs)
    with offline_tonic():
        dataset = getattr(tonic.datasets, cls)(save_to=str(root), train=True)
    return dataset, written


def _written_for(dataset, written, index):
    """The written sample tonic returns at ``index`` (file order for one-file-per-sample datasets)."""
    if hasattr(dataset, "data") and len(dataset.data) == len(written):
        by_path = {str(sample.path): sample for sample in written}
        return by_path[str(Path(dataset.data[index]))]
    return written[index]


@pytest.mark.parametrize("name", list(CASES))
def test_tonic_loads_the_fake_dataset_exactly(tmp_path: Path, name: str):
    dataset, written = load(name, tmp_path)
    assert len(dataset) == len(written) and dataset.sensor_size == CASES[name][2]
    for index in range(len(dataset)):
        events, label = dataset[index]
        sample = _written_for(dataset, written, index)
        assert int(label) == sample.label
        assert set(events.dtype.names) == set(sample.events.dtype.names)
        for field in sample.events.dtype.names:
            np.testing.assert_array_equal(events[field].astype(np.int64), sample.events[field])


@pytest.mark.parametrize("name", list(CASES))
def test_transform_and_collate_bin_like_the_loop(tmp_path: Path, name: str):
    _, _, sensor_size, time_step, duration = CASES[name]
    dataset, written = load(name, tmp_path)
    n_steps = -(-duration // time_step)

    def reference(events):
        return reference_dense(events, sensor_size, time_step, n_steps, duration=duration)

    transform = ToSlayerTensor(sensor_size, time_step, duration)
    for index in (0, len(dataset) - 1):
        events, _ = dataset[index]
        expected = reference(events)
        assert expected.sum() > 0
        np.testing.assert_array_equal(transform(events).numpy(), expected)
        # the reference on what was written (not on what tonic returned) agrees too
        np.testing.assert_array_equal(
            reference_dense(
                _written_for(dataset, written, index).events, sensor_size, time_step, n_steps, duration=duration
            ),
            expected,
        )
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=4, collate_fn=EventCollate(sensor_size, time_step, duration, dtype=torch.uint8)
    )
    dense, targets = next(iter(loader))
    assert dense.shape == (4, *transform(dataset[0][0]).shape) and dense.dtype == torch.uint8
    for n in range(4):
        events, label = dataset[n]
        np.testing.assert_array_equal(
            dense[n].numpy(), reference_dense(events, sensor_size, time_step, n_steps, duration=duration)
        )
        assert targets[n] == int(label)


class CountingTransform:
    """ToSlayerTensor that counts its calls; its repr (the cache key) is the wrapped transform's."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, events):
        self.calls += 1
        return self.inner(events)

    def __repr__(self):
        return repr(self.inner)


def test_cached_dataset_reads_tensors_the_second_time(tmp_path: Path):
    dataset, _ = load("NMNIST", tmp_path / "data")
    transform = CountingTransform(ToSlayerTensor((34, 34, 2), 1000, 300_000))
    cached = CachedDataset(dataset, tmp_path / "cache", transform)
    first = [cached[i] for i in range(len(cached))]
    assert transform.calls == len(dataset)
    for i, (tensor, label) in enumerate(first):
        events, expected_label = dataset[i]
        torch.testing.assert_close(tensor, transform.inner(events))
        assert label == expected_label
    # a second epoch and a second wrapper (a second run) read the files: no transform call
    again = CachedDataset(dataset, tmp_path / "cache", transform)
    second = [again[i] for i in range(len(again))] + [cached[0]]
    assert transform.calls == len(dataset)
    for (a, la), (b, lb) in zip(first, second):
        assert torch.equal(a, b) and a.dtype == b.dtype and la == lb and isinstance(lb, int)
    files = list(cached.path.glob("*.npz"))
    assert len(files) == len(dataset) and max(f.stat().st_size for f in files) < 30_000  # sparse, not 0.7 MB
    assert "20 samples, 20 cached" in repr(again)


def test_cache_key_follows_settings(tmp_path: Path):
    dataset, _ = load("NMNIST", tmp_path / "data")
    a = CachedDataset(dataset, tmp_path / "cache", ToSlayerTensor((34, 34, 2), 1000, 300_000))
    b = CachedDataset(dataset, tmp_path / "cache", ToSlayerTensor((34, 34, 2), 1000, 300_000, mode="binary"))
    with offline_tonic():
        test_split = tonic.datasets.NMNIST(save_to=str(tmp_path / "data"), train=False)
    c = CachedDataset(test_split, tmp_path / "cache", ToSlayerTensor((34, 34, 2), 1000, 300_000))
    assert len({a.path, b.path, c.path}) == 3
    assert a.path == CachedDataset(dataset, tmp_path / "cache", ToSlayerTensor((34, 34, 2), 1000, 300_000)).path
    with pytest.raises(ValueError, match=r"no stable repr.*pass key="):
        CachedDataset(dataset, tmp_path / "cache", lambda events: events)
    keyed = CachedDataset(dataset, tmp_path / "cache", lambda events: torch.ones(2), key="ones")
    assert keyed[1][0].tolist() == [1.0, 1.0]
    with pytest.raises(IndexError, match="index 20 out of range for a dataset of 20 samples"):
        keyed[20]


def test_unreadable_cache_file_is_recomputed(tmp_path: Path):
    dataset, _ = load("SHD", tmp_path / "data")
    transform = ToSlayerTensor((700, 1, 1), 10_000, 1_000_000)
    cached = CachedDataset(dataset, tmp_path / "cache", transform)
    expected, _ = cached[2]
    (cached.path / "2.npz").write_bytes(b"not a zip")
    with pytest.warns(UserWarning, match=r"unreadable cache file .*2\.npz"):
        tensor, _ = cached[2]
    torch.testing.assert_close(tensor, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.testing.assert_close(cached[2][0], expected)  # rewritten
