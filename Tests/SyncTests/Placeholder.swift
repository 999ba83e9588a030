// Tests for this target live beside this file (Swift Testing).
import Testing
