"""DyPRAG's parameter translator: a hypernetwork that maps a passage to LoRA factors."""
