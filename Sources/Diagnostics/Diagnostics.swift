// The Diagnostics module; see ARCHITECTURE.md.
