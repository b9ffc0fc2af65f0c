"""The domain core: policy model, lifecycle, numbering, visibility rules.

Plain Python only — nothing in this package imports Django or touches a database, so the
rules are fast to test and are the one rulebook the web, API and background code call.
A test (tests/core/test_core_is_pure.py) enforces the import boundary.
"""
