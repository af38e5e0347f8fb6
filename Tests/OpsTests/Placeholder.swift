// Tests for Ops (see the module's issue).
