"""Profile store backends behind one interface: ``open_store(settings)`` picks one from the settings."""

from profiles.stores.base import LogPosition, ProfileStore, QueryFilter, open_store

__all__ = ["LogPosition", "ProfileStore", "QueryFilter", "open_store"]
