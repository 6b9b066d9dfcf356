"""The pipeline's own records, one declaration each: what each load received and rejected, what staging cleaned,
how conformed reconciles, what the data-quality checks found and alerted, and the history of runs."""

from __future__ import annotations

from declarations.tables import Declared, Field

BATCH = Field("batch_id", "VARCHAR", "Batch (a fingerprint of the batch's files: the same files give the same id).")
RUN = Field("run_id", "VARCHAR", "Pipeline run (the Prefect flow run id).")
TABLE = Field("table_name", "VARCHAR", "Contract table (ssd_*, ext_*).")

# Columns raw adds to every contract table.
RAW_METADATA: tuple[Field, ...] = (
    Field("_extra_columns", "MAP(VARCHAR, VARCHAR)", "Columns in the file that the contract does not list, by name."),
    Field("_batch_id", "VARCHAR", "Batch the row arrived in (a fingerprint of the batch's files)."),
    Field("_source_file", "VARCHAR", "Name of the file the row came from."),
    Field("_row_number", "BIGINT", "Position of the row among the file's data rows (1 = first row after the header)."),
    Field("_loaded_at", "TIMESTAMP", "When the row was loaded."),
    Field("_file_sha256", "VARCHAR", "SHA-256 checksum of the file the row came from."),
)
# Columns staging keeps of them, so every typed row can be traced to its file and line.
STAGING_LINEAGE: tuple[Field, ...] = (
    Field("_batch_id", "VARCHAR", "Batch the row came from."),
    Field("_source_file", "VARCHAR", "File the row came from."),
    Field("_row_number", "BIGINT", "Row of the file (1 = first row after the header)."),
)

LOAD_BATCHES = Declared(
    "raw",
    "load_batches",
    "One row per batch loaded: where it came from, its extract date, files and rows.",
    key=("batch_id",),
    columns=(
        BATCH,
        Field("batch_folder", "VARCHAR", "Folder the batch was loaded from."),
        Field("extract_date", "DATE", "The batch's extract date (from its files' stamps, _READY or folder name)."),
        Field("files_received", "INTEGER", "Files in the batch."),
        Field("rows_loaded", "BIGINT", "Rows loaded into raw, all files."),
        Field("rows_rejected", "BIGINT", "Rows rejected at load (see raw.load_rejects), all files."),
        Field("files_failed", "INTEGER", "Files that could not be loaded at all."),
        Field("started_at", "TIMESTAMP", "When the load started."),
        Field("finished_at", "TIMESTAMP", "When the load finished."),
    ),
)
LOAD_MANIFEST = Declared(
    "raw",
    "load_manifest",
    "One row per file, or per expected table with no file, per batch: what was loaded and how.",
    columns=(
        BATCH,
        TABLE,
        Field("file_name", "VARCHAR", "File as received (null for a table with no file)."),
        Field("file_format", "VARCHAR", "csv or parquet."),
        Field("encoding", "VARCHAR", "Text encoding found (utf-8, cp1252, utf-16)."),
        Field("file_sha256", "VARCHAR", "SHA-256 checksum of the file."),
        Field("file_bytes", "BIGINT", "Size of the file in bytes."),
        Field("rows_loaded", "BIGINT", "Rows loaded into raw from the file."),
        Field("rows_rejected", "BIGINT", "Rows of the file rejected (see raw.load_rejects)."),
        Field(
            "status",
            "VARCHAR",
            "loaded, loaded_with_rejects, failed, missing (a core table with no file), not_supplied (an optional "
            "table with no file) or ignored.",
        ),
        Field("message", "VARCHAR", "Why a file failed, was ignored or had rows rejected, in plain words."),
        Field("loaded_at", "TIMESTAMP", "When the file was loaded."),
        Field(
            "export_shape", "VARCHAR", ("The case system's SSD build the file's header matched (systemc, mosaic, ...).")
        ),
        Field("delimiter", "VARCHAR", "Field delimiter found in the header."),
        Field("columns_renamed", "VARCHAR[]", "Columns read under their contract name: 'received -> contract'."),
        Field("columns_absent", "VARCHAR[]", "Contract columns the file lacked (NULL in raw)."),
        Field("columns_derived", "VARCHAR[]", "Person ids the file lacked, derived from the row each row refers to."),
        Field("file_lines", "BIGINT", "Lines in the file after the header, counted as received."),
    ),
)
LOAD_REJECTS = Declared(
    "raw",
    "load_rejects",
    "Rows that did not parse as the file's format: where, why, and the line as received.",
    columns=(
        BATCH,
        TABLE,
        Field("file_name", "VARCHAR", "File the line is in."),
        Field("line", "BIGINT", "Line of the file (1 = the header)."),
        Field("column_name", "VARCHAR", "Column where parsing failed, when known."),
        Field("error_type", "VARCHAR", "Kind of problem (e.g. TOO MANY COLUMNS, UNTERMINATED QUOTE)."),
        Field("message", "VARCHAR", "What is wrong, in plain words."),
        Field("received_line", "VARCHAR", "The line as received (cut at 10,000 characters)."),
    ),
)

CURRENT_BATCH = Declared(
    "staging",
    "current_batch",
    "The batch staging was built from: the later stages check they read the run's own batch.",
    columns=(BATCH, Field("built_at", "TIMESTAMP", "When staging was built.")),
)
REJECTED_VALUES = Declared(
    "staging",
    "rejected_values",
    "Values staging could not type (a date that is not one, a number that is not one): NULL in staging, listed here.",
    columns=(
        BATCH,
        TABLE,
        Field("source_file", "VARCHAR", "File the value came in."),
        Field("row_number", "BIGINT", "Row of the file (1 = first row after the header)."),
        Field("record_id", "VARCHAR", "The row's key."),
        Field("column_name", "VARCHAR", "Column of the value."),
        Field("value", "VARCHAR", "The value as received (null for personal data)."),
        Field("reason", "VARCHAR", "Why it could not be typed."),
    ),
)
CLEANING_SUMMARY = Declared(
    "staging",
    "cleaning_summary",
    "Per batch, table and column: what staging did to the values received.",
    columns=(
        BATCH,
        TABLE,
        Field("column_name", "VARCHAR", "Column."),
        Field("rows", "BIGINT", "Rows of the table."),
        Field("missing", "BIGINT", "Values missing (blank or NULL) as received."),
        Field("sentinels_normalised", "BIGINT", "1900-01-01 and -1 read as missing."),
        Field("values_rejected", "BIGINT", "Values that could not be typed (staging.rejected_values)."),
        Field("descriptions_mapped", "BIGINT", "Descriptions mapped to their code ('Neglect' -> NEG)."),
        Field("unmapped", "BIGINT", "Code values neither a code nor a known description (kept as received)."),
        Field("values_derived", "BIGINT", "Person ids derived from the row each row refers to."),
    ),
)
CODE_MAPPINGS = Declared(
    "staging",
    "code_mappings",
    "Every code value received, per batch, table and column, and the code staging made of it.",
    columns=(
        BATCH,
        TABLE,
        Field("column_name", "VARCHAR", "Column."),
        Field("received_value", "VARCHAR", "Value as received."),
        Field("code", "VARCHAR", "Code it was read as (the value itself when it is not a known description)."),
        Field("rows", "BIGINT", "Rows with the value."),
    ),
)

RECONCILIATION = Declared(
    "conformed",
    "reconciliation",
    "Per run and staging table: rows received, carried into conformed, excluded. Kept for every run.",
    columns=(
        RUN,
        BATCH,
        Field("built_at", "TIMESTAMP", "When conformed was built."),
        Field("table_name", "VARCHAR", "Staging table."),
        Field("staging_rows", "BIGINT", "Rows in staging."),
        Field("conformed_rows", "BIGINT", "Rows carried into conformed."),
        Field("excluded_rows", "BIGINT", "Rows excluded (conformed.excluded_records)."),
        Field("is_balanced", "BOOLEAN", "True when staging rows = conformed rows + excluded rows."),
    ),
)
EXCLUDED_RECORDS = Declared(
    "conformed",
    "excluded_records",
    "Staging rows not carried into a conformed table, with the reason (this run).",
    columns=(
        Field("table_name", "VARCHAR", "Staging table the row is in."),
        Field("record_id", "VARCHAR", "The row's key."),
        Field("row_number", "BIGINT", "Row of the file (null for a record excluded after it was linked)."),
        Field("reason", "VARCHAR", "Why it was left out (a key given twice, a visit outside any plan, ...)."),
    ),
)
ORPHAN_RECORDS = Declared(
    "conformed",
    "orphan_records",
    "Conformed rows whose child is not in conformed.child (this run): reported, not dropped.",
    columns=(
        Field("table_name", "VARCHAR", "Conformed table the row is in."),
        Field("record_id", "VARCHAR", "The row's record id."),
        Field("person_id", "VARCHAR", "The child id it names, not in conformed.child."),
    ),
)

RULE_RESULTS = Declared(
    "dq",
    "rule_results",
    "Per run and rule: records checked, failed and passed. Kept for every run.",
    columns=(
        RUN,
        BATCH,
        Field("run_at", "TIMESTAMP", "When the rules ran."),
        Field("rule_id", "VARCHAR", "Rule id (expectations/rules.toml, or derived from a declaration)."),
        Field("description", "VARCHAR", "What the rule checks."),
        Field("severity", "VARCHAR", "blocking (withholds the indicators it affects) or warning."),
        Field("owner", "VARCHAR", "Who fixes failures: 'team' (the child's team) or a data role."),
        Field("indicators", "VARCHAR", "Indicators whose figures a failure can make wrong, comma-separated."),
        Field("table_name", "VARCHAR", "Contract table checked (batch for batch-level rules)."),
        Field("records_checked", "BIGINT", "Records checked."),
        Field("records_failed", "BIGINT", "Records breaking the rule."),
        Field("records_passed", "BIGINT", "Records passing."),
        Field("status", "VARCHAR", "passed or failed."),
    ),
)
EXCEPTIONS = Declared(
    "dq",
    "exceptions",
    "The latest run's failing records, one row per record and rule, with its team.",
    columns=(
        RUN,
        Field("rule_id", "VARCHAR", "Rule broken."),
        Field("severity", "VARCHAR", "blocking or warning."),
        Field("owner", "VARCHAR", "Who fixes it: 'team' or a data role."),
        Field("table_name", "VARCHAR", "Contract table holding the record."),
        Field("record_id", "VARCHAR", "The record's key in that table (its stable key where the key is not)."),
        Field("person_id", "VARCHAR", "The child (case-system id)."),
        Field("column_name", "VARCHAR", "The column to fix."),
        Field("value", "VARCHAR", "The value found (null for personal data)."),
        Field("message", "VARCHAR", "What is wrong, in plain English."),
        Field("team_id", "VARCHAR", "Team of the child's case-holding involvement at the batch date, or unallocated."),
    ),
)
ALERTS_SENT = Declared(
    "dq",
    "alerts_sent",
    "Exceptions already sent to their owners, so each run alerts only what is new.",
    columns=(
        Field("owner", "VARCHAR", "Owner alerted (a name in the owners file)."),
        Field("rule_id", "VARCHAR", "Rule broken."),
        Field("table_name", "VARCHAR", "Contract table holding the record."),
        Field("record_id", "VARCHAR", "The record."),
        Field("run_id", "VARCHAR", "Run whose alert carried it."),
        Field("sent_at", "TIMESTAMP", "When it was sent."),
    ),
)

RUNS = Declared(
    "ops",
    "runs",
    "One row per pipeline run: batch, start, end, status (running, completed, failed, abandoned), rows, data quality.",
    key=("run_id",),
    columns=(
        RUN,
        Field("batch_folder", "VARCHAR", "Folder the batch was loaded from."),
        Field("batch_id", "VARCHAR", "Batch loaded (null when the run failed before it was read)."),
        Field("as_of", "DATE", "The period end the run published for."),
        Field("started_at", "TIMESTAMP", "When the run started."),
        Field("finished_at", "TIMESTAMP", "When it ended (null while running)."),
        Field(
            "status",
            "VARCHAR",
            "running, completed, failed, or abandoned (ended without finishing: killed or stopped).",
        ),
        Field("rows_loaded", "BIGINT", "Rows loaded into raw."),
        Field("rows_rejected", "BIGINT", "Rows rejected at load."),
        Field("files_failed", "INTEGER", "Files failed or missing."),
        Field("dq_rules_failed", "INTEGER", "Data-quality rules with failures."),
        Field("dq_exceptions", "BIGINT", "Records to fix."),
        Field("withheld_indicators", "VARCHAR", "Indicators withheld at the run's period end, comma-separated."),
        Field("message", "VARCHAR", "Why the run failed."),
    ),
)

INDICATOR = Field("indicator_ref", "VARCHAR", "Indicator.")
MONTH_END = Field("period_end", "DATE", "Month end.")
FIRST_PUBLISHED_VALUES = Declared(
    "ops",
    "first_published_values",
    "Every figure of every month end as it was first published, kept so that later publications can show how it "
    "has been restated (marts.restatements).",
    columns=(
        INDICATOR,
        MONTH_END,
        Field("team_id", "VARCHAR", "Team; null for the whole service."),
        Field("numerator", "BIGINT", "Numerator first published."),
        Field("denominator", "BIGINT", "Denominator first published."),
        Field("value", "DOUBLE", "Value first published."),
        Field("status", "VARCHAR", "Its status then: published, withheld or unavailable."),
        RUN,
        BATCH,
        Field("published_at", "TIMESTAMP", "When."),
    ),
)
FIRST_PUBLISHED_RECORDS = Declared(
    "ops",
    "first_published_records",
    "The records behind every month end's figures as first published (marts.indicator_records then), kept so that "
    "later publications can name the records counted differently (marts.restated_records).",
    columns=(
        INDICATOR,
        MONTH_END,
        Field("team_id", "VARCHAR", "Team the record counted for."),
        Field("record_id", "VARCHAR", "The child, event or plan counted."),
        Field("person_id", "VARCHAR", "The child."),
        Field("in_numerator", "BOOLEAN", "Whether it met the measure."),
        RUN,
    ),
)

# What each load and each staging build record beside the data.
LOAD_RECORDS = (LOAD_BATCHES, LOAD_MANIFEST, LOAD_REJECTS)
STAGING_RECORDS = (CURRENT_BATCH, REJECTED_VALUES, CLEANING_SUMMARY, CODE_MAPPINGS)

OPERATIONS_TABLES: tuple[Declared, ...] = (
    LOAD_BATCHES,
    LOAD_MANIFEST,
    LOAD_REJECTS,
    CURRENT_BATCH,
    REJECTED_VALUES,
    CLEANING_SUMMARY,
    CODE_MAPPINGS,
    RECONCILIATION,
    EXCLUDED_RECORDS,
    ORPHAN_RECORDS,
    RULE_RESULTS,
    EXCEPTIONS,
    ALERTS_SENT,
    RUNS,
    FIRST_PUBLISHED_VALUES,
    FIRST_PUBLISHED_RECORDS,
)
