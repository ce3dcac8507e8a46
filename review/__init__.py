"""The review queue: a web page where a person fixes what the machine was unsure of.

Light on import: `review.corrections` (the reviewed record, used by `extractor
export`) needs only SQLAlchemy and the extractor; FastAPI is imported by
`review.app` alone.
"""
