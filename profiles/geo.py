"""The one distance function, and the one place-cell function, used everywhere in the product."""

from __future__ import annotations

import h3
import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat1: float | npt.ArrayLike, lon1: float | npt.ArrayLike, lat2: float | npt.ArrayLike, lon2: float | npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in kilometres; broadcasts over NumPy arrays."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cell_of(latitude: float, longitude: float, resolution: int) -> str:
    """The H3 cell holding a point."""
    return h3.latlng_to_cell(latitude, longitude, resolution)


def cell_centre(cell: str) -> tuple[float, float]:
    """Latitude and longitude of a cell's centre (what coarsened coordinates are stored as)."""
    return h3.cell_to_latlng(cell)
