// Tests for Store (see the module's issue).
