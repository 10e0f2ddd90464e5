//! Demo data: realistic, deterministic contacts for trying Rapport and for benchmarks.
