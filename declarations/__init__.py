"""Declarations: every table, column, code list, case-system shape, indicator and setting, with no I/O. The ground
layer: everything else imports it; it imports nothing of the project."""
