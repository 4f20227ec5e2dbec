"""Licensed training: dataset snapshots, the tokenizer, the model, the trainer, the registry."""
