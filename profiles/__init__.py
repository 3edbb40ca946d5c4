"""Behaviour events, preprocessing, the interest encoder, profile stores and spatio-temporal context."""

from profiles.offline import apply_offline_defaults

# Before any submodule can import transformers, chromadb or gradio.
apply_offline_defaults()
