"""Channel definitions (channels/*.yaml): their schema and loader."""
