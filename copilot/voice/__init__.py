"""Voice notes in the application shell: the worker job, the CLI sub-apps (`voice-note`, `tags`)."""
