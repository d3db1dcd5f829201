"""Item pipelines, one job each: extract -> normalize -> dedupe -> match -> store."""
