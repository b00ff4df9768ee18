"""Greedy decoding where finished rows leave the batch, and a shared prompt prefix computed once,
on the tiny random Llama and Qwen2 models: token for token what Hugging Face ``generate`` gives
one question at a time (seconds)."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from parametric_rag import generation
from parametric_rag.generation import (Prefix, PromptLookup, ReservedLayer, common_prefix_length, generate,
                                       generate_hf, greedy, left_pad, prefill_mode)
from parametric_rag.inference import predict
from parametric_rag.lora.inject import DeltaInjector, projection_modules
from parametric_rag.models import load_model, load_tokenizer
from parametric_rag.prompts import prompt_ids

QUESTIONS = [
    "Who founded the town of Velmora Springs?",
    "What is the capital of the Orlen Federation",
    "In which year was the Brasswick lighthouse built?",
    "Who wrote The Glass Harbour?",
    "Which river flows through Tamsk?",
]
PASSAGES = [
    ["Velmora Springs was founded by Ada Kettering in 1821.", "The Orlen Federation's capital is Durn.", ""],
    ["Durn lies on the river Oss.", "The Brasswick lighthouse was built in 1903 by the harbour board."],
    ["The Glass Harbour is a novel by Ilse Marrow.", "Tamsk is crossed by the river Vell.", "Ilse Marrow was born in Tamsk."],
    ["Ada Kettering was an engineer.", "The river Vell rises in the Kessel hills."],
    ["Brasswick is a port town.", "Durn was founded in 1402.", "The Oss meets the sea at Brasswick."],
]
NEW = 8


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread (and far faster than on two on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def model(tiny_model_dir):
    return load_model(tiny_model_dir, "cpu")


@pytest.fixture
def tok(tiny_model_dir):
    return load_tokenizer(tiny_model_dir)


def direct_prompts(tok) -> list[list[int]]:
    """Direct prompts of different lengths (passages in the prompt)."""
    return [prompt_ids(tok, q, p) for q, p in zip(QUESTIONS, PASSAGES)]


def cot_prompts(tok) -> list[list[int]]:
    """Chain-of-thought prompts: the few-shot examples make a long shared prefix."""
    return [prompt_ids(tok, q, p, fewshot="2wikimultihopqa") for q, p in zip(QUESTIONS, PASSAGES)]


def until_eos(row: list[int], eos: set[int]) -> list[int]:
    """A row of ``generate``'s batched output up to and with its first end-of-sequence id (the
    padding after it dropped)."""
    for i, t in enumerate(row):
        if t in eos:
            return row[:i + 1]
    return row


def stop_early(model, rows: list[list[int]]) -> list[list[int]]:
    """Make rows end at different steps: add tokens the model generates (row 0's third token,
    row 1's fifth, row 3's seventh) to the end-of-sequence ids; the other rows run to ``NEW``.
    Returns ``rows`` as they now end (greedy decoding stops at the first of these ids)."""
    eos = model.generation_config.eos_token_id
    eos = list(eos) if isinstance(eos, (list, tuple)) else [eos]
    eos += [rows[0][2], rows[1][4], rows[3][6]]
    model.generation_config.eos_token_id = eos
    rows = [until_eos(row, set(eos)) for row in rows]
    assert len({len(r) for r in rows}) >= 3 and max(len(r) for r in rows) == NEW, rows
    return rows


class Batches:
    """The number of rows and positions of every forward call (a hook on the embedding)."""

    def __init__(self, model) -> None:
        self.shapes: list[tuple[int, int]] = []
        self.handle = model.get_input_embeddings().register_forward_hook(
            lambda m, args, out: self.shapes.append(tuple(args[0].shape)))

    def close(self) -> None:
        self.handle.remove()


def random_factors(model, rank: int, seed: int, scale: float = 0.3) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {key: (torch.randn(rank, m.in_features, generator=g) * scale,
                  torch.randn(m.out_features, rank, generator=g) * scale)
            for key, m in projection_modules(model).items()}


def test_common_prefix_length_leaves_a_token():
    assert common_prefix_length([[1, 2, 3], [1, 2, 4, 5]]) == 2
    assert common_prefix_length([[1, 2, 3], [1, 2, 3]]) == 2
    assert common_prefix_length([[1, 2, 3], [1, 2]]) == 1
    assert common_prefix_length([[1, 2], [3, 2]]) == 0
    assert common_prefix_length([[7, 8, 9]]) == 2
    assert common_prefix_length([]) == 0


def test_batch_1_equals_generate(model, tok):
    prompts = direct_prompts(tok)
    hf = [generate_hf(model, tok, [p], max_new_tokens=NEW)[0] for p in prompts]
    assert [greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0] for p in prompts] == hf
    stop_early(model, hf)  # and where rows end before max_new_tokens
    for p in prompts:
        ours = greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0]
        assert ours == generate_hf(model, tok, [p], max_new_tokens=NEW)[0]


@pytest.mark.parametrize("prefill", ["rows", "batch"])
def test_finished_rows_leave_the_batch(model, tok, prefill):
    prompts = direct_prompts(tok)
    one = stop_early(model, [greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0] for p in prompts])
    eos = set(model.generation_config.eos_token_id)
    calls = Batches(model)
    try:
        many = greedy(model, prompts, max_new_tokens=NEW, pad_id=tok.pad_token_id, prefill=prefill)
    finally:
        calls.close()
    assert many == one
    assert [until_eos(r, eos) for r in generate_hf(model, tok, prompts, max_new_tokens=NEW)] == one
    assert generate(model, tok, prompts, max_new_tokens=NEW) == [tok.decode(r, skip_special_tokens=True) for r in one]
    lengths = sorted(len(r) for r in one)
    assert lengths[0] < NEW == lengths[-1]
    # the prompts (one call each, or one for all), then one call per step with only the rows still running
    prompt_calls = len(prompts) if prefill == "rows" else 1
    if prefill == "rows":
        assert calls.shapes[:prompt_calls] == [(1, len(p)) for p in prompts]
    else:
        assert calls.shapes[0] == (len(prompts), max(len(p) for p in prompts))
    decoding = calls.shapes[prompt_calls:]
    assert [rows for rows, width in decoding] == [sum(n > step for n in lengths) for step in range(1, NEW)]
    assert all(width == 1 for _, width in decoding)


def test_reserved_layer_refuses_what_greedy_does_not_use(model, tok):
    layer = ReservedLayer.copied(torch.zeros(1, 2, 3, 4), torch.zeros(1, 2, 3, 4), 2)
    for call in (lambda: layer.crop(-1), lambda: layer.batch_repeat_interleave(2), layer.reset):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(ValueError, match="max_new_tokens"):
        greedy(model, direct_prompts(tok)[:2], max_new_tokens=0, pad_id=tok.pad_token_id)


def test_prefill_auto_runs_prompts_alone_on_cpu(model):
    assert prefill_mode(model, "auto") == "rows"
    assert prefill_mode(model, "batch") == "batch"
    with pytest.raises(ValueError, match="prefill"):
        prefill_mode(model, "sometimes")


def test_reserved_cache_gives_the_dynamic_cache_logits(model, tok):
    """Writing new keys and values into reserved room gives bit for bit the logits of
    concatenating them (``DynamicLayer``), through steps, rows leaving and front columns dropped."""
    prompts = direct_prompts(tok)[:3]
    ids, mask = left_pad(prompts, tok.pad_token_id, torch.device("cpu"))
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
    logits = {}
    for kind in ("dynamic", "reserved"):
        cache = DynamicCache(config=model.config)
        with torch.no_grad():
            out = [model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache).logits]
            if kind == "reserved":
                cache.layers = [ReservedLayer.copied(layer.keys, layer.values, 4) for layer in cache.layers]
            m, last, token = mask, positions[:, -1], out[0][:, -1].argmax(-1)
            for step in range(6):  # two steps past the reserved room: the layer grows
                if step == 2:  # row 0 (the shortest prompt's padding goes with it) leaves
                    keep = torch.tensor([1, 2])
                    cache.batch_select_indices(keep)
                    m, last, token = m[keep], last[keep], token[keep]
                m, last = torch.cat([m, m.new_ones(len(m), 1)], dim=1), last + 1
                out.append(model(input_ids=token[:, None], attention_mask=m, position_ids=last[:, None],
                                 past_key_values=cache).logits)
                token = out[-1][:, -1].argmax(-1)
        logits[kind] = out
    assert all(torch.equal(a, b) for a, b in zip(logits["dynamic"], logits["reserved"]))


@pytest.mark.parametrize("size,prefill", [(1, "rows"), (3, "rows"), (3, "batch")])
def test_shared_prefix_computed_once_gives_the_same_tokens(model, tok, size, prefill):
    prompts = cot_prompts(tok)
    fresh = stop_early(model, [greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0] for p in prompts])
    prefix = Prefix.shared(model, prompts)
    assert len(prefix) == common_prefix_length(prompts) > 500  # the few-shot examples
    calls = Batches(model)
    try:
        reused = [row for i in range(0, len(prompts), size)
                  for row in greedy(model, prompts[i:i + size], max_new_tokens=NEW, pad_id=tok.pad_token_id,
                                    prefix=prefix, prefill=prefill)]
    finally:
        calls.close()
    assert reused == fresh
    assert max(width for _, width in calls.shapes) == max(len(p) for p in prompts) - len(prefix)


def test_prefix_must_start_every_prompt(model, tok):
    prompts = cot_prompts(tok)
    prefix = Prefix.shared(model, prompts[:2])
    with pytest.raises(ValueError, match="shared prefix"):
        greedy(model, direct_prompts(tok)[:1], max_new_tokens=2, pad_id=tok.pad_token_id, prefix=prefix)
    assert Prefix.shared(model, [[5, 6], [7, 6]]) is None


@pytest.mark.parametrize("prefill", ["rows", "batch"])
def test_row_parameters_stay_with_their_rows(model, tok, prefill):
    prompts = direct_prompts(tok)
    factors = [random_factors(model, 2, 0), None, random_factors(model, 4, 1), random_factors(model, 1, 2),
               random_factors(model, 3, 3)]
    with DeltaInjector(model) as inj:
        def alone() -> list[list[int]]:
            rows = []
            for p, f in zip(prompts, factors):
                inj.set([f])
                rows.append(greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0])
            return rows

        one = stop_early(model, alone())
        inj.set(factors)
        many = greedy(model, prompts, max_new_tokens=NEW, pad_id=tok.pad_token_id, row_state=inj, prefill=prefill)
        assert many == one
        assert len({len(r) for r in one}) >= 3
        inj.set(factors)  # a caller that forgets to follow the rows fails loudly
        with pytest.raises(RuntimeError):
            greedy(model, prompts, max_new_tokens=NEW, pad_id=tok.pad_token_id, prefill=prefill)
        inj.clear()
        plain = [greedy(model, [p], max_new_tokens=NEW, pad_id=tok.pad_token_id)[0] for p in prompts]
    assert plain[1] == one[1] and sum(a != b for a, b in zip(plain, one)) >= 3


def test_prompt_lookup_drafts_follow_the_latest_longest_match():
    lookup = PromptLookup([1, 2, 3, 4, 1, 2])
    assert lookup.draft(3) == [3, 4, 1]  # (4, 1, 2) never came before; (1, 2) ended at index 1
    assert lookup.draft(0) == []
    lookup.extend([3, 9, 2, 3])
    assert lookup.draft(5) == [9, 2, 3]  # (1, 2, 3) gone; (2, 3) latest earlier at index 6
    lookup.extend([7])
    assert lookup.draft(2) == []  # 7 never came before
    lookup.extend([7])
    assert lookup.draft(2) == [7]  # what followed the first 7: the sequence's end


class OracleDrafts:
    """Stands in for ``PromptLookup``: drafts from the known greedy answers (``answers``: prompt ->
    tokens) with one token made wrong at a place that changes with the call and the row (or none),
    so rows keep different numbers of drafts: whole, in part, none."""

    answers: dict[tuple[int, ...], list[int]] = {}

    def __init__(self, ids) -> None:
        self.answer, self.n, self.calls = self.answers[tuple(ids)], 0, len(ids)

    def extend(self, ids) -> None:
        self.n += len(ids)

    def draft(self, k: int) -> list[int]:
        self.calls += 1
        d = list(self.answer[self.n:self.n + k])
        wrong = (3 * self.calls) % (k + 2)
        if wrong < len(d):
            d[wrong] += 1
        return d


@pytest.mark.parametrize("size,prefill,kind", [(1, "rows", "direct"), (3, "rows", "direct"), (5, "batch", "direct"),
                                              (3, "rows", "cot")])
@pytest.mark.parametrize("drafts", ["lookup", "oracle"])
def test_prompt_lookup_gives_the_greedy_tokens(model, tok, size, prefill, kind, drafts, monkeypatch):
    """Drafts checked several at a time give token for token the one-at-a-time greedy rows, with
    rows of different lengths and per-row parameters (or a shared prefix). Random models copy
    nothing from their prompts, so the oracle's drafts test keeping them: fewer calls than tokens."""
    prompts = direct_prompts(tok) if kind == "direct" else cot_prompts(tok)
    new = 16
    factors = [random_factors(model, 2, i, scale=0.05) if kind == "direct" else None for i in range(len(prompts))]
    with DeltaInjector(model) as inj:
        one = []
        for p, f in zip(prompts, factors):
            inj.set([f])
            one.append(greedy(model, [p], max_new_tokens=new, pad_id=tok.pad_token_id)[0])
        eos = model.generation_config.eos_token_id
        model.generation_config.eos_token_id = (list(eos) if isinstance(eos, (list, tuple)) else [eos]) + [one[1][9]]
        one = [until_eos(r, set(model.generation_config.eos_token_id)) for r in one]
        assert len({len(r) for r in one}) >= 2
        prefix = Prefix.shared(model, prompts) if kind == "cot" else None
        if drafts == "oracle":
            monkeypatch.setattr(OracleDrafts, "answers", {tuple(p): r for p, r in zip(prompts, one)})
            monkeypatch.setattr(generation, "PromptLookup", OracleDrafts)
        calls = Batches(model)
        try:
            rows = []
            for i in range(0, len(prompts), size):
                inj.set(factors[i:i + size])
                rows += greedy(model, prompts[i:i + size], max_new_tokens=new, pad_id=tok.pad_token_id, prefix=prefix,
                               row_state=inj, prefill=prefill, lookup=6)
        finally:
            calls.close()
    assert rows == one
    decoding = [(n, width) for n, width in calls.shapes if width <= 7]  # prompts are longer
    assert len(calls.shapes) - len(decoding) == (len(prompts) if prefill == "rows" else -(-len(prompts) // size))
    if drafts == "oracle":  # each call advances each of its rows by one token at least
        assert sum(n for n, _ in decoding) < sum(len(r) - 1 for r in one) / 2
        assert max(width for _, width in decoding) == 7


def test_lookup_goes_through_greedy_for_one_row(model, tok, monkeypatch):
    prompts = direct_prompts(tok)[:2]
    hf = [generate_hf(model, tok, [p], max_new_tokens=NEW)[0] for p in prompts]
    monkeypatch.setattr(OracleDrafts, "answers", {tuple(p): r for p, r in zip(prompts, hf)})
    monkeypatch.setattr(generation, "PromptLookup", OracleDrafts)
    calls = Batches(model)
    try:
        ours = [generate(model, tok, [p], max_new_tokens=NEW, lookup=4)[0] for p in prompts]
    finally:
        calls.close()
    assert ours == [tok.decode(r, skip_special_tokens=True) for r in hf]
    assert len(calls.shapes) < 2 * NEW  # fewer calls than one per token: greedy's drafts were kept
    with pytest.raises(ValueError, match="lookup"):
        greedy(model, prompts, max_new_tokens=2, pad_id=tok.pad_token_id, lookup=-1)


def records() -> list[dict]:
    return [{"qid": str(i), "question": q, "answers": ["Durn"], "subset": "total", "passages": p,
             "augment": [{"pid": f"{i}-{j}"} for j in range(len(p))]}
            for i, (q, p) in enumerate(zip(QUESTIONS, PASSAGES))]


@pytest.mark.parametrize("method,cot", [("vanilla", False), ("icl", True), ("prag_combine", False)])
def test_predict_batched_with_prefix_equals_one_at_a_time(model, tok, method, cot):
    recs = records()
    table = {r["qid"]: random_factors(model, 2, int(r["qid"])) for r in recs}
    deltas = (lambda chunk: [table[r["qid"]] for r in chunk]) if method.startswith("prag") else None
    kw = dict(method=method, cot=cot, fewshot="2wikimultihopqa", max_new_tokens=NEW, deltas=deltas, progress=False)
    one = predict(model, tok, recs, batch_size=1, **kw)
    many = predict(model, tok, recs, batch_size=3, reuse_prefix=True, **kw)
    assert [p["generation"] for p in many] == [p["generation"] for p in one]
    assert many == one
