"""The extractor version: bump it when extraction output changes, so that incremental
ingestion re-extracts files whose results it affects."""
EXTRACTOR_VERSION = "0.1.0"
