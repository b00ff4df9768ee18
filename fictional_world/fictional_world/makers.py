"""The maker engine: invents one entity by its maker in ``data/makers.yaml`` (see that file for
the step language)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .data import load
from .expr import bind, evaluate, namespace
from .world import VOCAB, Entity, World

MAKERS = load("makers")
HINTS = ("name", "root", "word", "pattern", "town", "country")  # what a maker's caller may fix
_VOCAB = SimpleNamespace(**VOCAB)


def make(w: World, kind: str, core: bool = True, **hints: Any) -> Entity:
    """Invent an entity of ``kind``; ``hints`` fix some of its choices (see ``HINTS``)."""
    spec = MAKERS[kind]
    ns = namespace(w=w, r=w.rng, names=w.names, vocab=_VOCAB, countries=w.of_kind("country"),
                   **{**dict.fromkeys(HINTS), **hints})
    bind(spec.get("let", {}), ns)
    if "fresh" in spec:
        for _ in range(100):
            bind(spec["fresh"]["try"], ns)
            if w.names.claim(ns["name"]):
                break
            bind(spec["fresh"]["retry"], ns)
        else:
            raise RuntimeError(f"no fresh {kind} name")
    aliases = evaluate(spec.get("alias", "[]"), ns)
    facts = {k: evaluate(v, ns) for k, v in spec["facts"].items()}
    e = w.add(kind, ns["name"], aliases=aliases, core=core, the=spec.get("the", False), **facts)
    for fact, back in spec.get("link", {}).items():
        if e.f[fact] is not None:
            e.f[fact].f[back] = e
    return e
