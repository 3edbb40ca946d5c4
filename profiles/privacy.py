"""Privacy by choice: keyed pseudonyms for user ids and coarsened coordinates.

``ProfileService`` applies both when ``settings.privacy`` says so, and its ``forget(user_id)`` removes a user
everywhere. What is never user-specific: the embedding cache holds item texts only (keyed by the text's
SHA-256), because snapshots embed catalogue items, and free text a user typed (event ``text``, a context
query) is encoded without the cache.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from profiles.config import PrivacySettings
from profiles.geo import cell_centre, cell_of

# 128 bits: collisions stay out of reach for any number of users a store could hold.
PSEUDONYM_HEX_DIGITS = 32


def pseudonymise(user_id: str, key: str | bytes | SecretStr) -> str:
    """A stable keyed hash of a user id (HMAC-SHA256, truncated hex); without the key it cannot be reversed."""
    if not user_id:
        raise ValueError("user_id must not be empty")
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    secret_bytes = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not secret_bytes:
        raise ValueError("the pseudonym key must not be empty")
    return hmac.new(secret_bytes, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]


def coarsen(latitude: float, longitude: float, resolution: int) -> tuple[float, float]:
    """The centre of the H3 cell holding a point: what is stored when coordinates are coarsened."""
    return cell_centre(cell_of(latitude, longitude, resolution))


def stored_user_id(user_id: str, settings: PrivacySettings) -> str:
    """The id a user's snapshots are stored under: a pseudonym when the settings ask for one, else the id itself."""
    if not settings.pseudonymise_users:
        return user_id
    assert settings.pseudonym_key is not None  # PrivacySettings refuses pseudonymising without a key
    return pseudonymise(user_id, settings.pseudonym_key)
