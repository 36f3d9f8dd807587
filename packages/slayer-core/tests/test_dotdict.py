"""slayer.utils.dotdict: lava-dl's attribute-style dict (issue 15, item 8)."""

import copy
import pickle

import pytest

import slayer
from slayer.utils import dotdict
from slayer.utils.utils import dotdict as dotdict_by_module_path


def test_keys_are_attributes_both_ways():
    args = slayer.utils.dotdict({"lr": 1e-3, "epochs": 5})
    assert args.lr == 1e-3 and args["epochs"] == 5
    args.batch = 8
    assert args["batch"] == 8 and dict(args) == {"lr": 1e-3, "epochs": 5, "batch": 8}
    del args.batch
    assert "batch" not in args
    with pytest.raises(AttributeError, match="no key 'batch'"):
        del args.batch
    assert dotdict_by_module_path is dotdict and isinstance(args, dict)


def test_missing_key_reads_none_as_in_lava_dl():
    assert dotdict().missing is None
    assert not hasattr(dotdict(), "__wrapped__")  # dunder lookups are not swallowed


def test_copy_pickle_and_repr():
    args = dotdict(a=1, nested=[1, 2])
    deep = copy.deepcopy(args)
    assert deep == args and deep.nested is not args.nested and type(deep) is dotdict
    assert pickle.loads(pickle.dumps(args)) == args
    assert repr(args) == "dotdict({'a': 1, 'nested': [1, 2]})"
