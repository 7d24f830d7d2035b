"""Progress core of Kesu: roll-up of indicator values over the region tree and target status.

Plain Python (no Django): the indicators app feeds it values it read from the database, and
every result carries the inputs it was computed from, so a page can show them beside it.
"""

from .rollup import Aggregation, Observation, RegionTree, Rolled, resolve_series, rollup
from .status import Assessment, Point, Status, TargetSpec, assess, assess_per_year, period_time

__all__ = [
    "Aggregation",
    "Assessment",
    "Observation",
    "Point",
    "RegionTree",
    "Rolled",
    "Status",
    "TargetSpec",
    "assess",
    "assess_per_year",
    "period_time",
    "resolve_series",
    "rollup",
]
