"""Tanya Trafficking: an extractive question-answering chatbot in Bahasa Indonesia over
documents about human trafficking in Southeast Asia. Start reading at ``pipeline.py``."""

__version__ = "0.1.0"
