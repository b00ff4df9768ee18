"""Per-passage LoRA knowledge (PRAG): training sequences, training, storage, merging, injection."""

TARGET_MODULES = ("gate_proj", "up_proj", "down_proj")
