"""Music-theoretic building blocks shared by several contexts (pure, no storage)."""
