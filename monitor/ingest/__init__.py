"""Getting articles in: the guarded HTTP client, feeds, page text extraction and the sources file.
It knows the domain types and nothing of rules, storage or alerts."""
