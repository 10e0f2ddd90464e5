//! Tests: setup_tables.
