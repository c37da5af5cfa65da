"""Secretariat screens; they call the features' services and own no models."""
