"""Batched generation with left padding, shared by augmentation and inference.

Greedy decoding runs its own loop (``greedy``), which computes exactly what Hugging Face
``generate`` computes for one row (same forward calls: the prompt at once, then one token at a
time through the key/value cache, the last position's logits only, argmax in float32), with
differences that change the cost of a batch and not its tokens:

- a row that produced an end-of-sequence token or reached ``max_new_tokens`` leaves the batch:
  its cache rows go, and so do its per-row parameters (``RowState``), so a batch of short
  answers costs what its answers cost instead of what its longest answer costs;
- the prompts may start with a ``Prefix`` whose key/value cache was computed once: only the rest
  of each prompt is run;
- on a CPU each prompt is run alone (a batch's padding costs more there than batching saves) and
  only decoding is batched;
- the cache reserves room for the new tokens (``ReservedLayer``) instead of copying itself at
  every step;
- with ``lookup`` (prompt lookup decoding), each step also feeds up to ``lookup`` draft tokens per
  row, copied from where the row's last tokens occurred earlier in its prompt or answer
  (``PromptLookup``), and keeps the drafts that equal the greedy token at their position plus the
  greedy token after the last kept one: the greedy continuation, several tokens per forward call
  where the answer copies its context. A call then computes several positions instead of one, so
  its float rounding (not its arithmetic) can differ from one position at a time.

Sampling (augmentation) and generation configs that add logits processors or stopping criteria
go through ``generate_hf``, as before.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any, ContextManager, Protocol, Sequence

import torch
from transformers.cache_utils import DynamicLayer

#: Generation-config fields that make ``model.generate`` differ from plain greedy decoding
#: (logits processors, stopping criteria, cache kinds), with the values that leave it plain.
PLAIN_GREEDY: dict[str, tuple] = {
    "repetition_penalty": (None, 1.0), "encoder_repetition_penalty": (None, 1.0),
    "no_repeat_ngram_size": (None, 0), "encoder_no_repeat_ngram_size": (None, 0),
    "bad_words_ids": (None,), "sequence_bias": (None,), "min_length": (None, 0), "min_new_tokens": (None, 0),
    "forced_bos_token_id": (None,), "forced_eos_token_id": (None,), "remove_invalid_values": (None, False),
    "exponential_decay_length_penalty": (None,), "suppress_tokens": (None, []), "begin_suppress_tokens": (None, []),
    "guidance_scale": (None, 1.0), "watermarking_config": (None,), "renormalize_logits": (None, False),
    "stop_strings": (None,), "max_time": (None,), "token_healing": (None, False), "prefill_chunk_size": (None,),
    "cache_implementation": (None, "dynamic"), "num_beams": (None, 1), "num_return_sequences": (None, 1),
}

#: The longest n-gram of a row's tokens that prompt lookup matches (then shorter ones, down to 1).
LOOKUP_NGRAM = 3


class PromptLookup:
    """Draft tokens for one row from its own tokens (prompt lookup decoding): what followed the
    latest earlier occurrence of the row's last ``ngram`` tokens (then of fewer, down to one)."""

    def __init__(self, ids: Sequence[int], ngram: int = LOOKUP_NGRAM) -> None:
        self.ids: list[int] = []
        self.ngram = ngram
        self._end: dict[tuple[int, ...], int] = {}  # n-gram -> where its latest occurrence ends
        self._earlier: list[int | None] = [None] * ngram  # per n: the previous end of the last n tokens
        self.extend(ids)

    def extend(self, ids: Sequence[int]) -> None:
        """Append tokens (the prompt, then each step's new tokens)."""
        for token in ids:
            self.ids.append(int(token))
            end = len(self.ids) - 1
            for n in range(1, self.ngram + 1):
                key = tuple(self.ids[end - n + 1:]) if end + 1 >= n else None
                self._earlier[n - 1] = self._end.get(key) if key is not None else None
                if key is not None:
                    self._end[key] = end

    def draft(self, k: int) -> list[int]:
        """Up to ``k`` tokens that followed the longest matched n-gram (none when nothing matches)."""
        if k <= 0:
            return []
        for n in range(self.ngram, 0, -1):
            end = self._earlier[n - 1]
            if end is not None:
                return self.ids[end + 1:end + 1 + k]
        return []


class RowState(Protocol):
    """Per-row state kept outside the model (``DeltaInjector``): it must follow the batch's rows.

    ``select`` is called with the rows (indices into the current batch, on the model's device)
    that stay whenever rows leave; ``only`` narrows the state to one row while that row's prompt
    is run alone, and restores it on exit.
    """

    def select(self, rows: torch.Tensor) -> None: ...

    def only(self, row: int) -> ContextManager[None]: ...


def left_pad(batch: Sequence[Sequence[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Input ids and attention mask for a left-padded batch."""
    width = max(len(ids) for ids in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, seq in enumerate(batch):
        if seq:
            ids[row, width - len(seq):] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, width - len(seq):] = 1
    return ids.to(device), mask.to(device)


def eos_ids(model: Any) -> set[int]:
    """The ids that end a row, as ``generate`` reads them from the model's generation config."""
    eos = getattr(model.generation_config, "eos_token_id", None)
    if eos is None:
        return set()
    return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}


def plain_greedy(model: Any) -> bool:
    """Whether ``model.generate(do_sample=False)`` is plain greedy decoding stopped by EOS and
    ``max_new_tokens`` only, which ``greedy`` reproduces; otherwise ``generate_hf`` is used."""
    config = model.generation_config
    if any(getattr(config, key, None) not in neutral for key, neutral in PLAIN_GREEDY.items()):
        return False
    return not getattr(model.config, "is_encoder_decoder", False)


def common_prefix_length(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest common token prefix of ``seqs``, leaving at least one token of each
    (a prompt's last token must be run to get its first generated token)."""
    if not seqs:
        return 0
    limit = min(len(s) for s in seqs) - 1
    first = seqs[0]
    n = 0
    while n < limit and all(s[n] == first[n] for s in seqs):
        n += 1
    return max(n, 0)


def _new_cache(model: Any) -> Any:
    from transformers import DynamicCache

    return DynamicCache(config=model.config)


def last_logits_only(model: Any) -> dict[str, Any]:
    """``logits_to_keep=1`` where the model takes it, as ``generate`` passes it: logits for the last
    position only (the rest of the forward pass, hidden states included, is unchanged)."""
    accepts = "logits_to_keep" in inspect.signature(model.forward).parameters
    return {"logits_to_keep": 1} if accepts else {}


def _croppable(cache: Any) -> bool:
    """Whether every layer is a plain growing key/value cache (no sliding window, no state)."""
    return all(type(layer) is DynamicLayer for layer in cache.layers)


class Prefix:
    """The key/value cache of a token prefix that every prompt of a job starts with, computed once.

    Only valid for the model as it was when computed: methods that change the model per question
    (PRAG/DyPRAG deltas) cannot use one.
    """

    def __init__(self, model: Any, ids: Sequence[int]) -> None:
        if not ids:
            raise ValueError("empty prefix")
        self.ids = tuple(int(i) for i in ids)
        device = next(model.parameters()).device
        cache = _new_cache(model)
        if not _croppable(cache):
            raise ValueError(f"{type(model).__name__}: prefix reuse needs a plain key/value cache")
        x = torch.tensor([self.ids], dtype=torch.long, device=device)
        with torch.no_grad():
            model(input_ids=x, position_ids=torch.arange(len(self.ids), device=device)[None],
                  past_key_values=cache, use_cache=True, **last_logits_only(model))
        self.layers = [(layer.keys, layer.values) for layer in cache.layers]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def shared(cls, model: Any, prompts: Sequence[Sequence[int]]) -> "Prefix | None":
        """The longest common token prefix of ``prompts`` (None when they share no token or the
        model's cache cannot be reused)."""
        n = common_prefix_length(prompts)
        if n == 0 or not _croppable(_new_cache(model)):
            return None
        return cls(model, prompts[0][:n])

    def starts(self, seq: Sequence[int]) -> bool:
        """Whether ``seq`` starts with the prefix and has at least one token after it."""
        return len(seq) > len(self.ids) and tuple(seq[:len(self.ids)]) == self.ids

    def cache(self, rows: int, model: Any) -> Any:
        """A new cache holding the prefix for ``rows`` rows (the stored tensors are not modified)."""
        from transformers import DynamicCache

        return DynamicCache([(k.expand(rows, -1, -1, -1), v.expand(rows, -1, -1, -1)) for k, v in self.layers],
                            config=model.config)


class ReservedLayer(DynamicLayer):
    """A key/value cache layer with room reserved for the tokens still to come.

    ``DynamicLayer`` concatenates every new token onto the whole cache (a copy of it per step and
    layer); this one writes the token into reserved space and hands attention a view of the filled
    part: the same values and shapes, so the same results (tested), without the copies. Made for
    ``greedy``: the cache operations it does not use (crop, reorder, repeat, reset, offload) raise.
    """

    is_croppable = False
    #: Positions added beyond what is asked when the reserved room runs out.
    GROW = 64

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, filled: int) -> None:
        """``keys`` and ``values``: buffers (batch, heads, positions + room, head dim) whose first
        ``filled`` positions hold the cache."""
        super().__init__()
        self.dtype, self.device, self.is_initialized = keys.dtype, keys.device, True
        self._keys, self._values, self._filled = keys, values, filled
        self._expose()

    @classmethod
    def copied(cls, keys: torch.Tensor, values: torch.Tensor, room: int) -> "ReservedLayer":
        """A layer holding a copy of ``keys`` and ``values`` with ``room`` positions to spare."""
        b, h, n, d = keys.shape
        k, v = keys.new_empty(b, h, n + room, d), values.new_empty(b, h, n + room, d)
        k[:, :, :n], v[:, :, :n] = keys, values
        return cls(k, v, n)

    def _expose(self) -> None:
        self.keys, self.values = self._keys[:, :, :self._filled], self._values[:, :, :self._filled]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
               ) -> tuple[torch.Tensor, torch.Tensor]:
        n, q = self._filled, key_states.shape[-2]
        if n + q > self._keys.shape[-2]:  # more than reserved (prompt lookup's rejected drafts): grow
            b, h, _, d = self._keys.shape
            keys, values = self._keys.new_empty(b, h, n + q + self.GROW, d), self._values.new_empty(b, h, n + q + self.GROW, d)
            keys[:, :, :n], values[:, :, :n] = self._keys[:, :, :n], self._values[:, :, :n]
            self._keys, self._values = keys, values
        self._keys[:, :, n:n + q], self._values[:, :, n:n + q] = key_states, value_states
        self._filled = n + q
        self._expose()
        return self.keys, self.values

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self._keys, self._values = self._keys[indices], self._values[indices]
        self._expose()

    def drop_front(self, columns: int) -> None:
        """Forget the first ``columns`` positions (padding no remaining row attends to)."""
        self._keys, self._values = self._keys[:, :, columns:], self._values[:, :, columns:]
        self._filled -= columns
        self._expose()

    def rewind(self, columns: int) -> None:
        """Forget the last ``columns`` positions (draft tokens no row kept)."""
        self._filled -= columns
        self._expose()

    def _unsupported(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} supports what generation.greedy does only")

    crop = batch_repeat_interleave = reorder_cache = reset = offload = prefetch = _unsupported


def _reserved_cache(model: Any, layers: Sequence[ReservedLayer]) -> Any:
    cache = _new_cache(model)
    cache.layers = list(layers)
    return cache


def _needed(mask: torch.Tensor) -> torch.Tensor | None:
    """The attention mask to pass: none when nothing is padded (as ``generate`` runs one row)."""
    return None if bool(mask.all()) else mask


def _last_token(logits: torch.Tensor) -> torch.Tensor:
    """The greedy token of each row from its last position's logits (argmax in float32)."""
    return logits[:, -1].to(dtype=torch.float32).argmax(dim=-1)


def _prefill_rows(model: Any, batch: Sequence[Sequence[int]], prefix: "Prefix | None", room: int,
                  row_state: RowState | None) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run each prompt alone (exactly what a batch of one computes) and stack the caches left-padded
    (between the prefix and the rest when there is a prefix): the cache, the attention mask, each
    row's last position and its first token."""
    device = next(model.parameters()).device
    extra = last_logits_only(model)
    p = len(prefix) if prefix is not None else 0
    rests = [seq[p:] for seq in batch]
    width = max(len(r) for r in rests)
    tokens, per_row = [], []
    for i, rest in enumerate(rests):
        cache = prefix.cache(1, model) if prefix is not None else _new_cache(model)
        x = torch.tensor([list(rest)], dtype=torch.long, device=device)
        positions = torch.arange(p, p + len(rest), device=device)[None]
        with row_state.only(i) if row_state is not None else contextlib.nullcontext():
            logits = model(input_ids=x, position_ids=positions, past_key_values=cache, use_cache=True,
                           **extra).logits
        tokens.append(_last_token(logits))
        per_row.append([(layer.keys, layer.values) for layer in cache.layers])
    n = len(batch)
    starts = [p + width - len(rest) for rest in rests]  # where each row's rest begins, left-padded
    mask = torch.zeros(n, p + width, dtype=torch.long, device=device)
    for i, start in enumerate(starts):
        mask[i, :p] = 1
        mask[i, start:] = 1
    layers = []
    for j, (k0, v0) in enumerate(per_row[0]):
        h, d = k0.shape[1], k0.shape[-1]
        keys = k0.new_zeros(n, h, p + width + room, d)  # built in place, with the room for new tokens
        values = v0.new_zeros(n, h, p + width + room, d)
        for i, start in enumerate(starts):
            k, v = per_row[i][j]
            if p:
                keys[i, :, :p], values[i, :, :p] = k[0, :, :p], v[0, :, :p]
            keys[i, :, start:p + width], values[i, :, start:p + width] = k[0, :, p:], v[0, :, p:]
        for i in range(n):  # each row's own cache is no longer needed
            per_row[i][j] = None
        layers.append(ReservedLayer(keys, values, p + width))
    last = torch.tensor([p + len(r) - 1 for r in rests], dtype=torch.long, device=device)
    return _reserved_cache(model, layers), mask, last, torch.cat(tokens)


def _prefill_batch(model: Any, batch: Sequence[Sequence[int]], prefix: "Prefix | None", room: int,
                   pad_id: int) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the prompts together, left-padded (padding between the prefix and the rest when there
    is a prefix): the cache, the attention mask, each row's last position and its first token."""
    device = next(model.parameters()).device
    n = len(batch)
    if prefix is not None:
        p = len(prefix)
        ids, mask = left_pad([seq[p:] for seq in batch], pad_id, device)
        positions = (p + mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        mask = torch.cat([torch.ones(n, p, dtype=mask.dtype, device=device), mask], dim=1)
        cache = prefix.cache(n, model)
    else:
        ids, mask = left_pad(batch, pad_id, device)
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        cache = _new_cache(model)
    logits = model(input_ids=ids, attention_mask=_needed(mask), position_ids=positions,
                   past_key_values=cache, use_cache=True, **last_logits_only(model)).logits
    if _croppable(cache):
        cache = _reserved_cache(model, [ReservedLayer.copied(layer.keys, layer.values, room) for layer in cache.layers])
    return cache, mask, positions[:, -1], _last_token(logits)


def prefill_mode(model: Any, prefill: str) -> str:
    """``rows`` or ``batch`` for ``prefill`` (``auto``: rows on a CPU, where a batch's padding
    costs more than batching saves, batch elsewhere); always ``batch`` for a model whose cache cannot
    be restacked."""
    if prefill not in ("auto", "rows", "batch"):
        raise ValueError(f"prefill must be auto, rows or batch, not {prefill!r}")
    if not _croppable(_new_cache(model)):
        return "batch"
    if prefill == "auto":
        return "rows" if next(model.parameters()).device.type == "cpu" else "batch"
    return prefill


@torch.no_grad()
def greedy(
    model: Any,
    batch: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    pad_id: int,
    prefix: Prefix | None = None,
    row_state: RowState | None = None,
    prefill: str = "auto",
    lookup: int = 0,
) -> list[list[int]]:
    """Greedy continuations of a batch of prompt ids: the new ids per row, ending with the
    end-of-sequence id when one was produced. Rows leave the batch as they finish.

    The prompts are run one at a time (``prefill="rows"``: what a batch of one computes, the
    caches then stacked left-padded) or together, left-padded (``"batch"``); ``"auto"`` picks rows
    on a CPU and batch on other devices (``prefill_mode``). Decoding runs the remaining rows together.
    With ``prefix``, every prompt must start with it; only the rest of each prompt is run, on top
    of the prefix's cache (padding sits between the prefix and the rest, masked out).
    With ``lookup`` > 0, each decoding step also checks up to ``lookup`` draft tokens per row
    (``PromptLookup``); a row's rejected drafts stay in the cache, masked out.
    """
    if any(len(seq) == 0 for seq in batch):
        raise ValueError("empty prompt")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, not {max_new_tokens}")
    if lookup < 0:
        raise ValueError(f"lookup must be at least 0, not {lookup}")
    if prefix is not None and not all(prefix.starts(seq) for seq in batch):
        raise ValueError("a prompt does not start with the shared prefix")
    device = next(model.parameters()).device
    eos = eos_ids(model)
    extra = last_logits_only(model)
    room = max_new_tokens + lookup
    if prefill_mode(model, prefill) == "rows":
        cache, mask, last, tokens = _prefill_rows(model, batch, prefix, room, row_state)
    else:
        cache, mask, last, tokens = _prefill_batch(model, batch, prefix, room, pad_id)
    reserved = all(isinstance(layer, ReservedLayer) for layer in cache.layers)
    lookups = [PromptLookup(seq) for seq in batch] if lookup and reserved else None
    out: list[list[int]] = [[] for _ in batch]
    live = list(range(len(batch)))  # the original row of each row still in the batch
    new = [[t] for t in tokens.tolist()]  # each row's tokens from the last call; the last is not cached yet
    while True:
        keep = []
        for i, (row, ids) in enumerate(zip(live, new)):
            for token in ids:
                out[row].append(token)
                if token in eos or len(out[row]) >= max_new_tokens:
                    break
            else:
                keep.append(i)
                if lookups is not None:
                    lookups[row].extend(ids)
        if not keep:
            break
        tokens = torch.tensor([new[i][-1] for i in keep], dtype=torch.long, device=device)
        if len(keep) < len(live):
            rows = torch.tensor(keep, dtype=torch.long, device=device)
            cache.batch_select_indices(rows)
            mask, last = mask[rows], last[rows]
            live = [live[i] for i in keep]
            if row_state is not None:
                row_state.select(rows)
            # columns no remaining row attends to (the padding of rows that left) are dropped
            first = int(mask.any(dim=0).long().argmax())
            if first > 0 and reserved:
                for layer in cache.layers:
                    layer.drop_front(first)
                mask = mask[:, first:]
        drafts = ([lookups[row].draft(min(lookup, max_new_tokens - len(out[row]) - 1)) for row in live]
                  if lookups is not None else [[] for _ in live])
        new, last, mask = _decode_step(model, cache, tokens, drafts, mask, last, pad_id, extra)
    return out


def _decode_step(model: Any, cache: Any, tokens: torch.Tensor, drafts: list[list[int]], mask: torch.Tensor,
                 last: torch.Tensor, pad_id: int, extra: dict[str, Any]
                 ) -> tuple[list[list[int]], torch.Tensor, torch.Tensor]:
    """One forward call on each row's next token followed by its drafts (none: plain decoding, one
    position a row): each row's new tokens (the drafts equal to the greedy token before them, then
    one greedy token), its last cached position and the attention mask (rejected drafts masked out,
    columns no row kept dropped)."""
    device = tokens.device
    n, width = len(drafts), 1 + max(len(d) for d in drafts)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    fed = torch.zeros((n, width), dtype=mask.dtype)
    ids[:, 0], fed[:, 0] = tokens.cpu(), 1
    for i, d in enumerate(drafts):
        if d:
            ids[i, 1:1 + len(d)], fed[i, 1:1 + len(d)] = torch.tensor(d, dtype=torch.long), 1
    mask = torch.cat([mask, fed.to(device)], dim=1)
    positions = last[:, None] + torch.arange(1, width + 1, device=device)
    logits = model(input_ids=ids.to(device), attention_mask=_needed(mask), position_ids=positions,
                   past_key_values=cache, use_cache=True, **({"logits_to_keep": width} if extra else {})).logits
    greedy_ids = logits[:, -width:].to(dtype=torch.float32).argmax(dim=-1).tolist()
    new, kept = [], []
    for d, g in zip(drafts, greedy_ids):
        k = 0
        while k < len(d) and d[k] == g[k]:
            k += 1
        new.append(g[:k + 1])
        kept.append(k)
    used = 1 + max(kept)  # new columns some row keeps; the others are forgotten
    if used < width:
        for layer in cache.layers:
            layer.rewind(width - used)
        mask = mask[:, :mask.shape[1] - (width - used)]
    start = mask.shape[1] - used
    for i, k in enumerate(kept):
        mask[i, start + 1 + k:] = 0
    return new, last + 1 + torch.tensor(kept, dtype=last.dtype, device=device), mask


@torch.no_grad()
def generate_hf(
    model: Any,
    tokenizer: Any,
    batch: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    do_sample: bool = False,
    temperature: float | None = None,
    top_k: int | None = None,
) -> list[list[int]]:
    """New ids per row from Hugging Face ``generate`` (finished rows padded with the pad id)."""
    device = next(model.parameters()).device
    ids, mask = left_pad(batch, tokenizer.pad_token_id, device)
    kwargs: dict[str, Any] = {"do_sample": do_sample, "num_beams": 1}
    if do_sample:
        kwargs.update(temperature=temperature, top_k=top_k)
    else:  # neutralise sampling defaults some models ship in generation_config
        kwargs.update(temperature=None, top_k=None, top_p=None)
    out = model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        **kwargs,
    )
    return out[:, ids.shape[1]:].tolist()


def generate(
    model: Any,
    tokenizer: Any,
    batch: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    do_sample: bool = False,
    temperature: float | None = None,
    top_k: int | None = None,
    prefix: Prefix | None = None,
    row_state: RowState | None = None,
    lookup: int = 0,
) -> list[str]:
    """Generate continuations for a batch of prompt ids; returns the decoded new text per row.

    Greedy unless ``do_sample``; special tokens are dropped from the decoded text. Greedy
    decoding of several rows (or on a shared ``prefix``) with a plain generation config goes
    through ``greedy`` (rows leave the batch as they finish; ``prefix``, ``row_state`` and
    ``lookup`` apply); anything else through ``generate_hf``, for which ``prefix`` and ``lookup``
    are ignored (they would only have saved time) and no row ever leaves. One row without a prefix
    or lookup always takes ``generate_hf``: the reference's path, so batch 1 without prefix reuse
    or lookup runs exactly the code it always ran.
    """
    if not do_sample and plain_greedy(model) and (len(batch) > 1 or prefix is not None or lookup > 0):
        rows = greedy(model, batch, max_new_tokens=max_new_tokens, pad_id=tokenizer.pad_token_id,
                      prefix=prefix, row_state=row_state, lookup=lookup)
    else:
        rows = generate_hf(model, tokenizer, batch, max_new_tokens=max_new_tokens, do_sample=do_sample,
                           temperature=temperature, top_k=top_k)
    return [tokenizer.decode(row, skip_special_tokens=True) for row in rows]


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]
