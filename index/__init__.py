"""The pipeline: sources → articles → passages → embeddings → FAISS and BM25 → search.

Nothing here imports ``bot``: the chat front ends depend on the index, never the reverse.
"""
