"""The grounding index: readers, chunking, embeddings, FAISS + BM25 search (see DESIGN.md §5).

In this first version only :mod:`index.embed` exists; the rest arrives with the grounding issue.
``index`` imports nothing from ``assistant`` or ``skills``, so both may depend on it.
"""
