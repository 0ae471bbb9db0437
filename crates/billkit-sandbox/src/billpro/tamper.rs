//! Inconsistent records planted on purpose, for tests of reconciliation.
