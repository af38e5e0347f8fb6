// Tests for Adapters (see the module's issue).
