"""The brief's labelled scenarios and their runner."""
