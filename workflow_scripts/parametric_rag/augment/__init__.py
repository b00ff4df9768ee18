"""Passage augmentation (method.md §3): one rewrite and three QA pairs per kept passage.

Three sources produce the same augmented records: LLM generation (the reference's method), a
per-passage table (published augmentation keyed by passage id, as the bundled benchmark ships),
and an importer for the reference toolkit's ``data_aug`` files.
"""
