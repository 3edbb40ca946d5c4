"""Profile store backends behind one interface: ``open_store(settings)`` picks one from the settings."""

from profiles.stores.base import ProfileStore, QueryFilter, open_store

__all__ = ["ProfileStore", "QueryFilter", "open_store"]
