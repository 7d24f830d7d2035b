"""A stratified cluster sample design, and the calibration steps applied to its weights.

The design is R's `svydesign(ids=~psu, strata=~stratum, weights=~w, nest=TRUE)`: PSUs drawn
with replacement within strata (no finite population correction), PSU labels nested in strata.

Calibration (post-stratification, raking) is recorded as a sequence of projection steps, the
same information R's survey package keeps in `design$postStrata`, so that `svyrecvar`'s
adjustment of the influence functions can be reproduced exactly (see estimation.py).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import InputDataError, LonelyPsuError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

LonelyPsu = Literal["fail", "certainty", "remove", "adjust", "average"]
LONELY_PSU_OPTIONS: tuple[str, ...] = ("fail", "certainty", "remove", "adjust", "average")


@dataclass(frozen=True)
class ProjectionTerm:
    """One grouping used to project influence values: x ← x − psw ⊙ C[group].

    `multiplier` is what the influence values are multiplied by before summing within groups:
    1/psw for a raking margin (R: ave(x/psw, margin)), oldw/psw for post-stratification
    (R: rowsum(x*oldw/psw)), w0/w for GREG calibration (R: qr.resid(qr(mm*sqrt(w0)), x/(g*sqrt(w0)))).
    """

    name: str
    codes: IntArray
    n_groups: int
    psw: FloatArray
    multiplier: FloatArray


@dataclass(frozen=True)
class CalibrationStep:
    """A step of `design$postStrata`.

    kind 'sequential': each term in turn, C_k += S_k(x)/Σ_g(multiplier·psw), repeated `cycles`
    times (R: `postStratify` once, the `raking` class ten times); kind 'joint': one weighted
    least-squares projection on all terms together (R: `greg_calibration` from `calibrate`).
    """

    kind: Literal["sequential", "joint"]
    terms: tuple[ProjectionTerm, ...]
    cycles: int = 1


def weighted_counts(codes: IntArray, weights: npt.ArrayLike, size: int) -> FloatArray:
    """Σ weights per code 0..size−1 (np.bincount, typed as float: it is one pass over n)."""
    return np.asarray(np.bincount(codes, weights=weights, minlength=size), dtype=np.float64)


def encode_labels(values: npt.ArrayLike) -> tuple[IntArray, np.ndarray]:
    """Codes 0..k-1 in sorted label order, and the labels."""
    labels, codes = np.unique(np.asarray(values), return_inverse=True)
    return codes.astype(np.int64).reshape(-1), labels


@dataclass(frozen=True)
class Design:
    """Strata, nested PSUs and weights of n respondents, plus the calibration applied so far."""

    stratum: npt.ArrayLike
    psu: npt.ArrayLike
    weight: npt.ArrayLike
    lonely_psu: LonelyPsu = "fail"
    calibration: tuple[CalibrationStep, ...] = ()
    weights: FloatArray = field(init=False, repr=False)
    psu_index: IntArray = field(init=False, repr=False)
    psu_stratum: IntArray = field(init=False, repr=False)
    stratum_labels: np.ndarray = field(init=False, repr=False)
    psus_per_stratum: IntArray = field(init=False, repr=False)
    cache: dict[str, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights = np.ascontiguousarray(self.weight, dtype=np.float64).reshape(-1)
        n = weights.shape[0]
        if np.asarray(self.stratum).shape[0] != n or np.asarray(self.psu).shape[0] != n:
            raise InputDataError("层、初级抽样单元和权数的长度必须相同。")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise InputDataError("权数必须是非负的有限数。")
        if self.lonely_psu not in LONELY_PSU_OPTIONS:
            raise InputDataError(f"lonely_psu 只能是 {'、'.join(LONELY_PSU_OPTIONS)} 之一。")
        stratum_codes, stratum_labels = encode_labels(self.stratum)
        psu_codes, _ = encode_labels(self.psu)
        # nest=TRUE: a PSU is a (stratum, psu) pair; unique keys sort PSUs by stratum.
        keys = stratum_codes * (int(psu_codes.max(initial=0)) + 1) + psu_codes
        unique_keys, psu_index = np.unique(keys, return_inverse=True)
        psu_stratum = unique_keys // (int(psu_codes.max(initial=0)) + 1)
        psus_per_stratum = np.bincount(psu_stratum, minlength=len(stratum_labels)).astype(np.int64)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "psu_index", psu_index.astype(np.int64).reshape(-1))
        object.__setattr__(self, "psu_stratum", psu_stratum.astype(np.int64))
        object.__setattr__(self, "stratum_labels", stratum_labels)
        object.__setattr__(self, "psus_per_stratum", psus_per_stratum)
        object.__setattr__(self, "cache", {})
        if self.lonely_psu == "fail" and np.any(psus_per_stratum == 1):
            lonely = [str(s) for s in stratum_labels[psus_per_stratum == 1]]
            raise LonelyPsuError(lonely)

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.shape[0])

    @property
    def is_calibrated(self) -> bool:
        return bool(self.calibration)

    def with_weights(self, weights: FloatArray, steps: Sequence[CalibrationStep] = ()) -> Design:
        """The same design with new weights and further calibration steps appended.

        Strata and PSUs are not re-encoded: the copy shares them (they are never mutated).
        """
        checked = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
        if checked.shape != self.weights.shape or not np.all(np.isfinite(checked)) or np.any(checked < 0):
            raise InputDataError("新权数必须与样本等长，且为非负的有限数。")
        new = copy.copy(self)
        object.__setattr__(new, "weight", checked)
        object.__setattr__(new, "weights", checked)
        object.__setattr__(new, "calibration", (*self.calibration, *steps))
        object.__setattr__(new, "cache", {})
        return new
