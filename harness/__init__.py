"""What the tests and the benches share to run the real parts: worker, beat and replay processes, sending a run
and waiting on the run table, the racing tables' content, and expectations read straight from the recordings.

A development tool like tests/ and bench/: the wheel and the image ship none of it, and no production module
imports it (tests/contract/test_import_boundaries.py, tests/cli/test_packaging.py). bench/ imports harness, never
tests."""
