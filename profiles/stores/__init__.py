"""Profile store backends behind one interface."""
