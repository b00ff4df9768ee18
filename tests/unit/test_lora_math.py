"""Merge and injection math: hooks equal weight edits, the in-memory merge equals PEFT's `cat`."""

import copy

import pytest
import torch

from parametric_rag.lora.adapter import LoraShape, read_factors, wrap
from parametric_rag.lora.inject import DeltaInjector, projection_modules
from parametric_rag.lora.merge import cat_merge, delta

# Two float32 computations of the same logits (|logit| up to about 20, mean |logit| 3.2) differ by
# rounding: the hook adds x @ A.T @ B.T to x @ W.T where the edited model computes x @ (W + B @ A).T,
# and a batch of two rows runs other kernels than one row. Measured: hook vs edited weights, max abs
# difference 2.0e-5 (about 10 float32 ulps at |logit| 20), which fails allclose(atol=1e-5) with its
# default rtol=1e-5; batched vs single row 6.7e-6 and 0; merged vs PEFT cat 0. Relative differences
# are meaningless near zero logits (up to 1.2), hence the absolute part.
TOL = dict(rtol=1e-4, atol=1e-4)


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir):
    from transformers import AutoModelForCausalLM

    return tiny_llama_dir, AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval()


def random_factors(model, rank, seed):
    g = torch.Generator().manual_seed(seed)
    return {key: (torch.randn(rank, m.in_features, generator=g) * 0.05, torch.randn(m.out_features, rank, generator=g) * 0.05)
            for key, m in projection_modules(model).items()}


IDS = torch.tensor([[1, 520, 3311, 47, 905, 28, 77, 2048, 9]])


def test_hook_equals_weight_edit_and_removal_restores(tiny):
    _, model = tiny
    base = model(IDS).logits
    factors = random_factors(model, 4, 0)
    edited = copy.deepcopy(model)
    for key, m in projection_modules(edited).items():
        m.weight.data += delta(factors, key)
    with DeltaInjector(model) as inj:
        inj.set([factors])
        hooked = model(IDS).logits
    assert torch.allclose(hooked, edited(IDS).logits, **TOL)
    assert not torch.allclose(hooked, base, atol=1e-3)
    assert torch.equal(model(IDS).logits, base)


def test_batched_rows_get_their_own_delta(tiny):
    _, model = tiny
    f1, f2 = random_factors(model, 2, 1), random_factors(model, 6, 2)
    ids = torch.cat([IDS, IDS])
    with DeltaInjector(model) as inj:
        inj.set([f1, f2])
        both = model(ids).logits
        inj.set([f1])
        one = model(IDS).logits
        inj.set([f2])
        two = model(IDS).logits
        inj.set([None])
        none = model(IDS).logits
    assert torch.allclose(both[0], one[0], **TOL) and torch.allclose(both[1], two[0], **TOL)
    assert torch.equal(none, model(IDS).logits)


def test_cat_merge_equals_peft_cat(tiny, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    path, model = tiny
    shape = LoraShape(rank=2, alpha=32)
    dirs = []
    for i in range(3):
        torch.manual_seed(10 + i)
        base = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        pm = wrap(base, shape)
        for name, p in pm.named_parameters():
            if "lora_B" in name:
                p.data.normal_(0, 0.02)
        pm.save_pretrained(tmp_path / f"a{i}")
        dirs.append(tmp_path / f"a{i}")
    peft = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32), dirs[0], adapter_name="a0")
    for i in (1, 2):
        peft.load_adapter(dirs[i], adapter_name=f"a{i}")
    peft.add_weighted_adapter(["a0", "a1", "a2"], [1.0, 1.0, 1.0], "merged", combination_type="cat")
    peft.set_adapter("merged")
    peft.eval()
    want = peft(IDS).logits
    merged = cat_merge([read_factors(d) for d in dirs])
    assert all(a.shape[0] == 6 for a, _ in merged.values())
    with DeltaInjector(model) as inj:
        inj.set([merged])
        got = model(IDS).logits
    assert torch.allclose(got, want, **TOL)
    assert not torch.allclose(got, model(IDS).logits, atol=1e-3)
