"""Parametric RAG (PRAG, DyPRAG) as a reproducible pipeline: the package behind the Snakemake rules."""

__version__ = "0.1.0"
