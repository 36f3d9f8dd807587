"""A doc that drifts from the code fails: each check is shown catching one such drift."""

from __future__ import annotations

import pytest
from doc_claims import check_page
from doc_pages import ROOT, split_page
from doc_snippets import SnippetError, run_blocks

PAGE = ROOT / "docs" / "drifted.md"  # never written: the checks take text


def problems(text: str) -> list[str]:
    return check_page(text, PAGE, ROOT)


def test_the_real_pages_drifted_fail():
    synapses = (ROOT / "docs" / "synapses.md").read_text()
    assert problems(synapses) == []
    drifted = synapses.replace(
        "`slayer.axon.Delay(sampling_time=1, max_delay=None,", "`slayer.axon.Delay(sampling_time=1, max_delay=62,"
    )
    assert drifted != synapses
    assert any("`max_delay` defaults to None in the code, 62 in the docs" in p for p in problems(drifted))
    renamed = synapses.replace("`slayer.axon.delay(", "`slayer.axon.delays(")
    assert any("`slayer.axon.delays` does not resolve" in p for p in problems(renamed))


def test_a_snippet_that_raises_fails_naming_page_and_line(tmp_path):
    text = "# t\n\n```python\nimport slayer\n\nslayer.neuron.cuba.Neuron(threshold=1.25, nonsense=1)\n```\n"
    blocks, _ = split_page(text, "docs/drifted.md")
    with pytest.raises(SnippetError, match=r"docs/drifted.md:4: the Python block raised") as info:
        run_blocks(blocks, tmp_path)
    assert "nonsense" in str(info.value) and 'drifted.md", line 6' in str(info.value)


def test_blocks_of_a_page_share_a_namespace_and_marked_blocks_do_not_run(tmp_path):
    text = (
        "```python\nx = 2\n```\n\ntext\n\n```python\n# not run: would fail\nraise RuntimeError\n```\n\n"
        "```python\ny = x * 3\nopen('out.txt', 'w').write(str(y))\n```\n"
    )
    blocks, _ = split_page(text, "docs/drifted.md")
    assert [b.not_run_reason for b in blocks] == [None, "would fail", None]
    assert run_blocks(blocks, tmp_path)["y"] == 6
    assert (tmp_path / "out.txt").read_text() == "6"  # files a snippet writes land in the work directory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Use `slayer.neuron.cuba.Nueron`.", "`slayer.neuron.cuba.Nueron` does not resolve"),
        ("`slayer.neuron.{cuba, alfi}.Neuron`", "`slayer.neuron.alfi.Neuron` does not resolve"),
        ("`slayer.neuron.cuba` (planned)", "`slayer.neuron.cuba` is written as planned but exists now"),
        ("`slayer.axon.delay(x, delay_val=2)`", "`delay_val` defaults to 1 in the code, 2 in the docs"),
        ("`slayer.axon.delay(x, delay=1)`", "no parameter `delay`"),
        (
            "See `slayer.io`: `read_np_spikes(path, fmt='xyt')`.",
            "`fmt` defaults to 'xypt' in the code, 'xyt' in the docs",
        ),
        ("```python\n# signatures of slayer.spike\nreal_spike(v, threshold)\n```", "parameters are (voltage,"),
        (
            "```python\n# signatures of slayer.spike\nreal_spike(voltage, threshold, tau_rho, scale_rho, graded=True, "
            "scale=1.0)\n```",
            "`graded` defaults to False in the code, True in the docs",
        ),
        (
            "```python\n# signatures of slayer.core.dynamics\n"
            "leaky_integrator(input, decay, state=None, threshold=None, s_scale=4096)\n```",
            "`s_scale` is keyword-only in the code",
        ),
        ("```python\n# signatures of slayer.spike\nno_such_spike(x)\n```", "`no_such_spike` does not exist"),
        ("Set `SLAYER_NO_SUCH_SWITCH=1`.", "SLAYER_NO_SUCH_SWITCH is neither read nor defined"),
        ("Run `nox -s doc`.", "noxfile.py has no session 'doc'"),
        ("```bash\npython -m nox -s benchmark\n```", "noxfile.py has no session 'benchmark'"),
        (
            "See `packages/slayer-core/tests/test_nothing.py`.",
            "`packages/slayer-core/tests/test_nothing.py` exists neither in the repository, beside the page",
        ),
        ("See [the guide](no-such-page.md).", "link to no-such-page.md that does not exist"),
        (
            "```bash\npip install ./packages/slayer-core ./packages/slayer-neurons\n```",
            "also needs slayer-synapse from packages/",
        ),
    ],
)
def test_each_claim_check_catches_its_drift(text, expected):
    found = problems(text)
    assert any(expected in p for p in found), found


def test_true_claims_pass():
    text = (
        "`slayer.neuron.{cuba, alif}.Neuron`, `slayer.axon.delay(x, delay_val=1, sampling_time=1)`, "
        "`slayer.nothing_yet` (planned), `SLAYER_BACKEND`, `nox -s tests`, `packages/slayer-core/pyproject.toml`, "
        "[neurons](neurons.md), "
        "`pip install ./packages/slayer-core ./packages/slayer-synapse ./packages/slayer-neurons`"
        "\n\n```python\n# signatures of slayer.spike\nreal_spike(voltage, threshold, tau_rho, scale_rho, graded=False, "
        "scale=1.0) -> spikes\n```\n"
    )
    assert problems(text) == []
