"""Getting articles in: the guarded HTTP client, feeds, page text extraction and the sources file.
It knows the domain types and detection's text normalisation, nothing of rules, storage or alerts."""
