"""docs/backends.md states every contract kernel's signature; each backend must take exactly those arguments.

The kernel headings (``### `name(arg, ...) -> (...)` ``) are compared, argument name by argument name, with the
reference backend's Python functions, the cpu backend's op schemas (``torch.ops.slayer_cpu``) and the gpu
backend's host launchers (read from their source with ``ast``, so triton need not be installed). A renamed
argument in any of them, or in the docs, fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest
import torch

from slayer.core.backends import KERNEL_NAMES, reference
from slayer.core.backends import gpu as gpu_backend
from slayer.core.backends.cpu import KERNEL_OPS, CpuBackend, CpuBuildWarning

DOC = Path(__file__).resolve().parents[3] / "docs" / "backends.md"
pytestmark = pytest.mark.skipif(not DOC.is_file(), reason="docs/backends.md is not beside this checkout's tests")


def documented_signatures(text: str) -> dict[str, list[str]]:
    """Kernel name -> argument names, from the ``### `name(args) -> ...` `` headings of docs/backends.md."""
    found = re.finditer(r"^### `(\w+)\(([^)]*)\) -> ", text, re.M)
    return {m.group(1): [a.strip() for a in m.group(2).split(",") if a.strip()] for m in found}


@pytest.fixture(scope="module")
def documented() -> dict[str, list[str]]:
    signatures = documented_signatures(DOC.read_text())
    assert set(signatures) == set(KERNEL_NAMES), "docs/backends.md documents other kernels than KERNEL_NAMES"
    return signatures


def test_heading_parser_reads_names_in_order():
    text = "### `a_forward(x, decay, s_scale) -> (y, z)`\nbody\n### `not a kernel`\n"
    assert documented_signatures(text) == {"a_forward": ["x", "decay", "s_scale"]}


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_reference_kernel_takes_the_documented_arguments(documented, name):
    assert list(inspect.signature(reference.KERNELS[name]).parameters) == documented[name]


@pytest.mark.parametrize("name", KERNEL_OPS)
def test_cpu_op_schema_has_the_documented_arguments(documented, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)  # a broken build must fail, not skip
        CpuBackend().kernels()
    schema = getattr(torch.ops.slayer_cpu, name).default._schema
    assert [argument.name for argument in schema.arguments] == documented[name]


@pytest.mark.parametrize("name", sorted(gpu_backend.KERNEL_MODULES))
def test_gpu_launcher_takes_the_documented_arguments(documented, name):
    source = Path(gpu_backend.__file__).with_name(gpu_backend.KERNEL_MODULES[name] + ".py")
    [launcher] = [
        node for node in ast.parse(source.read_text()).body if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    assert [argument.arg for argument in launcher.args.args] == documented[name]
