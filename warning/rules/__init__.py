"""Rule files: loading, validation, the text prefilter, the durable-rules wall, evaluation."""
