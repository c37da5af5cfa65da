"""Member units: directory, applications, profiles, colleagues."""
