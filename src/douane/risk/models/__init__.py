"""The model registry: trained model directories, their data window and metrics; one active at a time."""
