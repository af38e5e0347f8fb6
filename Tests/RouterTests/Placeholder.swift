// Tests for Router (see the module's issue).
