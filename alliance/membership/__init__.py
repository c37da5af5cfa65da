"""Joining and keeping membership: applications, self-service profiles, colleagues, secretariat unit tools."""
