"""The pytest plugin for users' test suites, registered through the ``pytest11`` entry
point (docs/testing.md)."""
