"""Loading, splitting, indexing and retrieving the knowledge base."""
