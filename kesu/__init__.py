"""Kesu (客诉): a customer-complaint handling system that runs a company's written policy."""
