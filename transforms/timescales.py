"""The timescales the conformed facts are built with, read from the indicator catalogue.

Due dates are facts of the conformed tables (a contact's decision is due one working day after it arrives, a CP
plan's first review three months after it starts), so they are computed when conformed is built, from the same
catalogue the indicators are computed with: a council that changes a timescale in its catalogue changes both.
"""

from __future__ import annotations

from dataclasses import dataclass

from declarations.catalogue import Catalogue


@dataclass(frozen=True)
class Timescales:
    """The defaults are the regulations' and the catalogue's (2.1, 2.10a, 4.8 and 5.18)."""

    contact_decision_working_days: int = 1
    assessment_working_days: int = 45
    cp_first_months: int = 3
    cp_later_months: int = 6
    cla_first_working_days: int = 20
    cla_second_months: int = 3
    cla_later_months: int = 6
    # Initial CP conferences are due 15 working days after the strategy discussion (Working Together); no
    # highlight indicator measures them, so the catalogue does not carry it.
    icpc_working_days: int = 15

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> Timescales:
        contacts, assessments = catalogue["2.1"], catalogue["2.10a"]
        cp, cla = catalogue["4.8"], catalogue["5.18"]
        return cls(
            contact_decision_working_days=contacts.param("timescale_working_days"),
            assessment_working_days=assessments.param("timescale_working_days"),
            cp_first_months=cp.param("first_review_months"),
            cp_later_months=cp.param("later_review_months"),
            cla_first_working_days=cla.param("first_review_working_days"),
            cla_second_months=cla.param("second_review_months"),
            cla_later_months=cla.param("later_review_months"),
        )


DEFAULT_TIMESCALES = Timescales()
