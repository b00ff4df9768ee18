"""The DyPRAG parameter translator: shapes, size, reference key names, checkpoints."""

import pytest
import torch

from parametric_rag.translator.module import (
    ParameterTranslator,
    closed_form_count,
    load_checkpoint,
    parameter_count,
    rows,
    save_checkpoint,
)

LLAMA_1B = dict(hidden=2048, intermediate=8192, layers=16)


def llama_shapes(hidden, intermediate, layers):
    shapes = {}
    for layer in range(layers):
        shapes[(layer, "gate_proj")] = (hidden, intermediate)
        shapes[(layer, "up_proj")] = (hidden, intermediate)
        shapes[(layer, "down_proj")] = (intermediate, hidden)
    return shapes


def test_parameter_count_matches_closed_form_for_llama_1b_shape():
    with torch.device("meta"):
        t = ParameterTranslator(llama_shapes(**LLAMA_1B), LLAMA_1B["hidden"], rank=2, width=32)
    n = parameter_count(t)
    assert n == closed_form_count(2048, 8192, 16, rank=2, width=32) == 37_751_808  # "about 37.8M"


def test_output_shapes_and_reference_key_names():
    t = ParameterTranslator(llama_shapes(16, 40, 2), hidden=16, rank=2, width=8)
    out = t(torch.randn(3, 16))
    assert out[(0, "gate_proj")][0].shape == (3, 2, 16) and out[(0, "gate_proj")][1].shape == (3, 40, 2)
    assert out[(1, "down_proj")][0].shape == (3, 2, 40) and out[(1, "down_proj")][1].shape == (3, 16, 2)
    keys = set(t.state_dict())
    for stem in ("projector.down_proj_1.projector", "projector.gate_proj_0.projector"):
        for name in ("pre_A_linear", "post_A_linear", "pre_B_linear", "post_B_linear",
                     "A_hypernet.linear1", "A_hypernet.linear2", "B_hypernet.linear1", "B_hypernet.linear2"):
            assert f"{stem}.{name}.weight" in keys
    assert len(rows(out, 3)) == 3 and rows(out, 3)[2][(0, "up_proj")][0].shape == (2, 16)


def test_initialisation_is_tiny_normal():
    torch.manual_seed(0)
    t = ParameterTranslator(llama_shapes(64, 128, 2), hidden=64, rank=2, width=32)
    w = torch.cat([p.flatten() for p in t.parameters()])
    assert abs(float(w.std()) - 1e-7) < 1e-8 and abs(float(w.mean())) < 1e-9


def test_layer_index_is_an_input():
    t = ParameterTranslator(llama_shapes(8, 16, 2), hidden=8, rank=2, width=4)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.ones_like(p))
    out = t(torch.zeros(1, 8))  # only the appended layer index is non-zero
    assert float(out[(0, "up_proj")][0].abs().sum()) == 0 and float(out[(1, "up_proj")][0].abs().sum()) > 0


def test_checkpoint_round_trip_in_the_reference_format(tmp_path):
    shapes = llama_shapes(16, 40, 2)
    a, b = ParameterTranslator(shapes, 16, 2, 8), ParameterTranslator(shapes, 16, 2, 8)
    save_checkpoint(a, tmp_path / "epoch_0.pt", {"epoch": 0})
    raw = torch.load(tmp_path / "epoch_0.pt", weights_only=True)
    assert set(raw) == {"model_state_dict", "epoch"}
    assert load_checkpoint(b, tmp_path / "epoch_0.pt") == {"epoch": 0}
    x = torch.randn(2, 16)
    assert all(torch.equal(a(x)[k][0], b(x)[k][0]) for k in a.keys)
    # a checkpoint holding only the reference's dict (no extras) loads too
    torch.save({"model_state_dict": a.state_dict()}, tmp_path / "ref.pt")
    assert load_checkpoint(b, tmp_path / "ref.pt") == {}
    with pytest.raises(RuntimeError):  # a translator for another shape refuses it
        load_checkpoint(ParameterTranslator(llama_shapes(16, 48, 2), 16, 2, 8), tmp_path / "ref.pt")
