"""The published tables in ``marts.duckdb``, one declaration each: what analysts query and the report reads."""

from __future__ import annotations

from declarations.constants import TREND_MONTHS
from declarations.tables import Declared, Field

_MONTHS = range(1, TREND_MONTHS + 1)

# What a figure is set beside (declarations/comparators.toml, or the council's CSC_COMPARATORS_FILE).
COMPARATOR_FIELDS = (
    Field(
        "comparator_year",
        "BIGINT",
        "The year (ending 31 March) of the comparators beside the figure: of the years the comparators file has for "
        "the indicator, the latest up to the financial year of the period end (the earliest, where it has none "
        "that early); null where it has none for the indicator.",
    ),
    Field("england_value", "DOUBLE", "England's figure that year."),
    Field("region_value", "DOUBLE", "The region's figure that year, where the comparators file gives it."),
    Field(
        "statistical_neighbours_value",
        "DOUBLE",
        "The statistical neighbours' average that year, where the comparators file gives it.",
    ),
)

MART_TABLES: tuple[Declared, ...] = (
    Declared(
        "marts",
        "indicator_values",
        "Every indicator at every period end, for the whole service (team_id null) and each team.",
        columns=(
            Field(
                "indicator_ref",
                "VARCHAR",
                "Indicator reference, e.g. '4.7.2' ('1.3.rate' and '1.4.rate' are rates per 10,000).",
            ),
            Field(
                "period_end",
                "DATE",
                "The period end E: a month end, the previous financial year end, or the run's as-of date.",
            ),
            Field(
                "team_id",
                "VARCHAR",
                "Team (ssd_department.dept_team_id), 'unallocated', or null for the whole service.",
            ),
            Field("numerator", "BIGINT", "Children or events meeting the measure; for counts and rates, the count."),
            Field("denominator", "BIGINT", "Children or events measured; null for counts and rates."),
            Field("value", "DOUBLE", "A percentage 0-100, a count, or a rate per 10,000 children."),
            Field(
                "value_low",
                "DOUBLE",
                (
                    "The lowest the figure could be if every record in doubt went the other way (the value "
                    "when none is in doubt; null when it is unavailable or every record is in doubt)."
                ),
            ),
            Field(
                "value_high", "DOUBLE", "The highest the figure could be if every record in doubt went the other way."
            ),
            Field(
                "records_in_doubt",
                "BIGINT",
                "Records that a data-quality problem could move into or out of this figure (see indicator_doubts).",
            ),
            Field("period_type", "VARCHAR", "snapshot, ytd (financial year to date) or rolling_year."),
            Field("target_min", "DOUBLE", "Corporate minimum target."),
            Field("target_upper", "DOUBLE", "Corporate upper target."),
            Field(
                "rag",
                "VARCHAR",
                "green, amber or red against the targets; null for counts, rates, empty or withheld figures.",
            ),
            Field(
                "status",
                "VARCHAR",
                (
                    "published (with its band); withheld when the records in doubt could move it across a "
                    "RAG boundary or beyond its tolerance, or every record behind it is in doubt; "
                    "unavailable when the export lacks the data it needs (numerator, denominator and value "
                    "then empty)."
                ),
            ),
            Field(
                "status_reason",
                "VARCHAR",
                "Why a figure is withheld or unavailable (the rules that failed, the data missing).",
            ),
            *COMPARATOR_FIELDS,
        ),
    ),
    Declared(
        "marts",
        "indicator_records",
        (
            "The drill-through: for each indicator and period end, every child or event counted, whether it"
            " is in the numerator, and the dates that decided it."
        ),
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator reference."),
            Field("period_end", "DATE", "Period end."),
            Field("person_id", "VARCHAR", "The child (case-system id; no names are published)."),
            Field("record_id", "VARCHAR", "The child, event or plan the row is about (e.g. contact id, CP plan id)."),
            Field("team_id", "VARCHAR", "Team the record counts for."),
            Field("worker_id", "VARCHAR", "Worker allocated (case-system id)."),
            Field("in_numerator", "BOOLEAN", "True if the record meets the measure."),
            Field("key_date", "DATE", "The date that decided it (e.g. the latest seen visit)."),
            Field("due_date", "DATE", "The deadline it was measured against, where there is one."),
            Field("detail", "VARCHAR", "Plain-English explanation of the dates that decided it."),
        ),
    ),
    Declared(
        "marts",
        "indicator_doubts",
        (
            "The records in doubt behind each indicator: each problem the data-quality checks found (a "
            "rule's exception, a value staging could not type, a record conformed left out, a row rejected "
            "at load) linked to the indicators whose figures it can move. The records to fix."
        ),
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator whose figures the problem can move."),
            Field(
                "role",
                "VARCHAR",
                (
                    "membership (the records that make a child or event counted), cohort (what else decides"
                    " it: an open CP plan keeps a child out of CIN), measure (whether a counted record "
                    "meets the measure) or allocation (which team a child counts for)."
                ),
            ),
            Field("table_name", "VARCHAR", "Contract table holding the record."),
            Field(
                "record_id",
                "VARCHAR",
                "The record's key in that table (null when it is not known: a row rejected at load).",
            ),
            Field("person_id", "VARCHAR", "The child (case-system id), where known."),
            Field(
                "source", "VARCHAR", "What found it: a data-quality rule id (see dq_rule_summary) or the load stage."
            ),
            Field("reason", "VARCHAR", "What is wrong."),
        ),
    ),
    Declared(
        "marts",
        "highlight_report",
        "The monthly highlight report as the board sees it: one row per indicator at the run's period end.",
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator reference."),
            Field("section", "VARCHAR", "Report section."),
            Field("title", "VARCHAR", "Performance measure."),
            Field(
                "previous_financial_year",
                "DOUBLE",
                "Value at the end of the previous financial year (31 March); null when withheld or unavailable then.",
            ),
            Field("numerator", "BIGINT", "Numerator now (the count for counts); null when withheld or unavailable."),
            Field("denominator", "BIGINT", "Denominator now; null when withheld or unavailable."),
            Field(
                "current_value", "DOUBLE", "Value now; null when withheld or unavailable (never shown to the board)."
            ),
            Field("value_low", "DOUBLE", "The lowest the current figure could be, given the records in doubt."),
            Field("value_high", "DOUBLE", "The highest it could be."),
            Field("records_in_doubt", "BIGINT", "Records in doubt behind the current figure (indicator_doubts)."),
            Field("period_type", "VARCHAR", "snapshot, ytd or rolling_year."),
            *[Field(f"month_end_{n}", "DATE", f"Month end {n} of the six-month trend (1 = oldest).") for n in _MONTHS],
            *[
                Field(f"value_month_{n}", "DOUBLE", f"Value at month end {n}; null when withheld or unavailable then.")
                for n in _MONTHS
            ],
            Field(
                "month_end_year_ago",
                "DATE",
                "The same month end a year before month_end_6, for the board's direction of travel over a year.",
            ),
            Field(
                "value_year_ago",
                "DOUBLE",
                "Value at month_end_year_ago; null when withheld or unavailable then.",
            ),
            Field("target_min", "DOUBLE", "Minimum target."),
            Field("target_upper", "DOUBLE", "Upper target."),
            Field("rag", "VARCHAR", "RAG now."),
            Field("status", "VARCHAR", "published, withheld or unavailable."),
            Field("status_reason", "VARCHAR", "Why it is withheld or unavailable."),
            *COMPARATOR_FIELDS,
            Field(
                "restated_months",
                "VARCHAR",
                "The trend's month ends whose figure differs from its first publication (comma-separated dates; "
                "see restatements).",
            ),
        ),
    ),
    Declared(
        "marts",
        "indicator_catalogue",
        "The catalogue the figures were computed with: titles, period types, polarity, targets and timescales.",
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator reference."),
            Field("section", "VARCHAR", "Report section."),
            Field("title", "VARCHAR", "Performance measure."),
            Field("period_type", "VARCHAR", "snapshot, ytd or rolling_year."),
            Field("polarity", "VARCHAR", "higher or lower is better, count, or rate."),
            Field("target_min", "DOUBLE", "Minimum target."),
            Field("target_upper", "DOUBLE", "Upper target."),
            Field("timescales", "VARCHAR", "The indicator's windows and timescales, as in the catalogue file."),
            Field(
                "note", "VARCHAR", "What the board must know to read the figure (the report prints it under the title)."
            ),
            Field(
                "part", "VARCHAR", "highlight (the seed report's indicators) or wider (the second part of the report)."
            ),
            Field("counts", "VARCHAR", "What is counted, in words: the numerator, or the count itself."),
            Field("out_of", "VARCHAR", "Out of what, in words: the denominator (null for counts and rates)."),
        ),
    ),
    Declared(
        "marts",
        "teams",
        "Team names for the team ids in the other tables.",
        columns=(
            Field("team_id", "VARCHAR", "Team id."),
            Field("team_name", "VARCHAR", "Team name."),
            Field("service_area_name", "VARCHAR", "Parent unit."),
        ),
    ),
    Declared(
        "marts",
        "dq_exceptions",
        "Every record that breaks a data-quality rule in this run: what to fix, where, and why.",
        columns=(
            Field("run_id", "VARCHAR", "Pipeline run."),
            Field("rule_id", "VARCHAR", "Rule broken (see dq_rule_summary)."),
            Field("severity", "VARCHAR", "blocking (withholds the indicators it affects) or warning."),
            Field("owner", "VARCHAR", "Who fixes it: 'team' (the child's team) or a data role."),
            Field("table_name", "VARCHAR", "Contract table holding the record (batch for batch-level rules)."),
            Field("record_id", "VARCHAR", "The record's primary key in that table, as in the generator's faults log."),
            Field("person_id", "VARCHAR", "The child (case-system id)."),
            Field("column_name", "VARCHAR", "The column to fix."),
            Field("value", "VARCHAR", "The value found."),
            Field("message", "VARCHAR", "What is wrong, in plain English."),
        ),
    ),
    Declared(
        "marts",
        "dq_rule_summary",
        "Per data-quality rule in this run: records checked, failed and passed, and the previous run's failures.",
        columns=(
            Field("rule_id", "VARCHAR", "Rule id."),
            Field("description", "VARCHAR", "What the rule checks."),
            Field("severity", "VARCHAR", "blocking or warning."),
            Field("owner", "VARCHAR", "Who fixes failures."),
            Field("indicators", "VARCHAR", "Indicators whose figures the problem can make wrong."),
            Field("table_name", "VARCHAR", "Contract table checked."),
            Field("records_checked", "BIGINT", "Records checked."),
            Field("records_failed", "BIGINT", "Records breaking the rule."),
            Field("records_passed", "BIGINT", "Records passing."),
            Field("previous_records_failed", "BIGINT", "Records failing in the previous run (null for the first run)."),
            Field("status", "VARCHAR", "passed or failed."),
        ),
    ),
    Declared(
        "marts",
        "publication",
        "This publication: the run, batch and as-of date it was built from.",
        columns=(
            Field("run_id", "VARCHAR", "Pipeline run (Prefect flow run id)."),
            Field("batch_id", "VARCHAR", "Batch the figures come from."),
            Field("as_of", "DATE", "The batch's extract date (the current period end)."),
            Field("published_at", "TIMESTAMP", "When the publication was built."),
        ),
    ),
    Declared(
        "marts",
        "caseload",
        "Per period end, every worker holding at least one child through a case-holding involvement: the children "
        "held, the team holding most of them, the worker's threshold and whether the caseload is over it, and the "
        "case system's own recorded caseload beside the children held on the date it counts at.",
        key=("period_end", "worker_id"),
        columns=(
            Field("period_end", "DATE", "Period end (the indicators' period ends)."),
            Field("worker_id", "VARCHAR", "Worker (case-system id; no names are published)."),
            Field(
                "team_id", "VARCHAR", "The team holding most of the worker's children then (the lowest id on a tie)."
            ),
            Field(
                "children",
                "BIGINT",
                "Children held: the worker has a case-holding involvement with the child open at the period end.",
            ),
            Field(
                "threshold",
                "BIGINT",
                "Most children the worker should hold: the caseload threshold setting (default 20), half of it for a "
                "newly qualified worker.",
            ),
            Field("is_over_threshold", "BOOLEAN", "True when the worker holds more children than the threshold."),
            Field(
                "is_newly_qualified",
                "BOOLEAN",
                "The job title names a newly qualified worker (newly qualified, ASYE or NQSW).",
            ),
            Field("is_agency_worker", "BOOLEAN", "True for an agency worker; null where the export does not say."),
            Field("job_title", "VARCHAR", "Job title as recorded."),
            Field("full_time_equivalent", "DOUBLE", "Full-time equivalence, 0 to 1, as recorded."),
            Field(
                "recorded_caseload",
                "BIGINT",
                "The case system's own caseload (ssd_professionals.prof_professional_caseload): the worker's "
                "allocated case-worker involvements open on the last 30 September, not at the period end.",
            ),
            Field("recorded_caseload_date", "DATE", "The date the recorded caseload counts at: the last 30 September."),
            Field(
                "children_at_recorded_date",
                "BIGINT",
                "Children the worker held on that 30 September, counted as here: what is left of the difference from "
                "the recorded caseload is the roles counted (the case system counts its case-worker type only).",
            ),
        ),
    ),
    Declared(
        "marts",
        "caseload_by_team",
        "Per period end and team (and the whole service, team null): workers holding children, the children they "
        "hold, the spread of their caseloads, workers over their threshold, agency and newly qualified workers.",
        columns=(
            Field("period_end", "DATE", "Period end."),
            Field(
                "team_id",
                "VARCHAR",
                "Team (the team holding most of each worker's children); null for the whole service.",
            ),
            Field("workers", "BIGINT", "Workers holding at least one child."),
            Field("children", "BIGINT", "Children they hold, each counted once."),
            Field("mean_caseload", "DOUBLE", "Mean children per worker, to one decimal place."),
            Field("median_caseload", "DOUBLE", "Median children per worker."),
            Field("lower_quartile_caseload", "DOUBLE", "Lower quartile of children per worker."),
            Field("upper_quartile_caseload", "DOUBLE", "Upper quartile of children per worker."),
            Field("max_caseload", "BIGINT", "Most children held by one worker."),
            Field("workers_over_threshold", "BIGINT", "Workers holding more children than their threshold."),
            Field("agency_workers", "BIGINT", "Agency workers among them (where the export says)."),
            Field("agency_share", "DOUBLE", "Agency workers as a percentage of the workers."),
            Field("newly_qualified_workers", "BIGINT", "Newly qualified workers among them."),
        ),
    ),
    Declared(
        "marts",
        "caseload_children",
        "The drill-through behind each caseload: per period end, every child each worker holds and the involvement "
        "that makes it so.",
        key=("period_end", "worker_id", "person_id"),
        columns=(
            Field("period_end", "DATE", "Period end."),
            Field("worker_id", "VARCHAR", "Worker."),
            Field("team_id", "VARCHAR", "Team of the involvement."),
            Field("person_id", "VARCHAR", "The child (case-system id)."),
            Field("involvement_id", "VARCHAR", "The case-holding involvement (the earliest started, if several)."),
            Field("role", "VARCHAR", "Involvement type as received (CW, 16PLUS, ...)."),
            Field("start_date", "DATE", "When the involvement started."),
        ),
    ),
    Declared(
        "marts",
        "drift_list",
        "Open cases where nothing has happened for too long, at the batch date, by team and worker: the list for the "
        "weekly performance meeting.",
        key=("person_id",),
        columns=(
            Field("as_of", "DATE", "The batch date the list is for."),
            Field("team_id", "VARCHAR", "Team the child is allocated to (section 4 of the method)."),
            Field("worker_id", "VARCHAR", "Worker the child is allocated to."),
            Field("person_id", "VARCHAR", "The child (case-system id)."),
            Field("open_as", "VARCHAR", "What the child is on: CP plan, looked after, child in need, other open case."),
            Field(
                "last_activity",
                "VARCHAR",
                "The latest thing that happened on the case: a visit, a CP, CLA or CIN plan review, or a plan or "
                "episode of care starting or ending; null when nothing has.",
            ),
            Field("last_activity_date", "DATE", "When."),
            Field("days_since_activity", "BIGINT", "Days from then to the batch date; null when nothing has happened."),
            Field("drift_days", "BIGINT", "The setting: a case drifts after this many days with nothing happening."),
        ),
    ),
    Declared(
        "marts",
        "restatements",
        "Every month end's figure (indicator, month end, team) that differs now from its first publication: the "
        "first and latest figures, and how many of its records were added, removed, or moved in or out of the "
        "numerator since (late recording, corrected dates).",
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator."),
            Field("period_end", "DATE", "Month end."),
            Field("team_id", "VARCHAR", "Team; null for the whole service."),
            Field("first_numerator", "BIGINT", "Numerator first published."),
            Field("first_denominator", "BIGINT", "Denominator first published."),
            Field("first_value", "DOUBLE", "Value first published."),
            Field("first_status", "VARCHAR", "Status then."),
            Field("first_run_id", "VARCHAR", "The run that first published it."),
            Field("first_published_at", "TIMESTAMP", "When."),
            Field("latest_numerator", "BIGINT", "Numerator now."),
            Field("latest_denominator", "BIGINT", "Denominator now."),
            Field("latest_value", "DOUBLE", "Value now."),
            Field("latest_status", "VARCHAR", "Status now."),
            Field("records_added", "BIGINT", "Records counted now that were not then."),
            Field("records_removed", "BIGINT", "Records counted then that are not now."),
            Field("records_moved", "BIGINT", "Records counted both times, in the numerator once and not the other."),
        ),
    ),
    Declared(
        "marts",
        "restated_records",
        "The records behind each restated whole-service figure that are counted differently now from its first "
        "publication.",
        key=("indicator_ref", "period_end", "record_id"),
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator."),
            Field("period_end", "DATE", "Month end."),
            Field("record_id", "VARCHAR", "The child, event or plan."),
            Field("person_id", "VARCHAR", "The child."),
            Field("first_team_id", "VARCHAR", "Team it counted for at first publication (null if not counted)."),
            Field("latest_team_id", "VARCHAR", "Team it counts for now (null if not counted)."),
            Field("first_in_numerator", "BOOLEAN", "In the numerator at first publication (null if not counted)."),
            Field("latest_in_numerator", "BOOLEAN", "In the numerator now (null if not counted)."),
            Field(
                "change",
                "VARCHAR",
                "added, removed, now in the numerator, or now out of the numerator.",
            ),
        ),
    ),
)
MARTS_BY_NAME = {t.name: t for t in MART_TABLES}
