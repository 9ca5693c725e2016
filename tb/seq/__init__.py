"""Sequences: directed (one per seed function and system scenario), the random
mix, and the coverage-closure generator, over one random-stimulus vocabulary."""
