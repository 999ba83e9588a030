// The Endpoint module; see ARCHITECTURE.md (shared/) for what it owns.
