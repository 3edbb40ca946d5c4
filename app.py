"""Gradio UI and HTTP API: wiring only (arrives with the app issue)."""
