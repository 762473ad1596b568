"""Domain layer: pure functions over the loaded Dataset; never imports flask."""
