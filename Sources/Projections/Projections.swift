// The Projections module; see ARCHITECTURE.md (shared/) for what it owns.
