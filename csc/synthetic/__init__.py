"""Synthetic SSD batches: a council's (or England's) nightly Standard Safeguarding Dataset export.

    generate_batch(out_dir, as_of=date(2023, 8, 31), scale="la", seed=1)

writes the 21 contract tables (``warehouse.contract.TABLES``) as CSV files the way councils' systems export
them, then ``_READY``. ``SCALES`` holds the parameters of each scale; ``FAULT_KINDS`` the recording problems
that ``fault_rate`` injects (and ``faults_log`` lists).
"""

from .faults import FAULT_KINDS
from .generate import READY_MARKER, generate_batch
from .scales import SCALES, Scale

__all__ = ["FAULT_KINDS", "READY_MARKER", "SCALES", "Scale", "generate_batch"]
