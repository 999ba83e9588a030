// The APIFront module; see ARCHITECTURE.md (shared/) for what it owns.
