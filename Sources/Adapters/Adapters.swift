// Adapter SDK and agency adapters (issue 5).
