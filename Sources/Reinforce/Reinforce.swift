// The Reinforce module; see ARCHITECTURE.md.
