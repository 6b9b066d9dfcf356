"""Synthetic SSD batches: a council's (or England's) nightly Standard Safeguarding Dataset export.

    generate_batch(out_dir, as_of=date(2023, 8, 31), scale="la", seed=1, system="systemc")

writes the SSD tables as the named case system's SSD build exports them (``SYSTEM_NAMES``: systemc, mosaic,
eclipse, la-release, or the extract contract's own shape), then ``_READY``. ``SCALES`` holds the parameters of
each scale; ``FAULT_KINDS`` the recording problems that ``fault_rate`` injects (and ``faults_log`` lists).
"""

from declarations.constants import READY_MARKER

from .faults import FAULT_KINDS
from .generate import generate_batch
from .scales import SCALES, Scale
from .shapes import SYSTEM_NAMES

__all__ = ["FAULT_KINDS", "READY_MARKER", "SCALES", "SYSTEM_NAMES", "Scale", "generate_batch"]
