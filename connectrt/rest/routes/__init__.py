"""Route modules, one per Connect REST resource."""
