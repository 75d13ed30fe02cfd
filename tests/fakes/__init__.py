"""Local HTTP servers that speak the real wire formats of the services we call."""
