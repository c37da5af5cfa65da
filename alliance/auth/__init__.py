"""Accounts, sign-in and roles."""
