"""Business rules, one module per subsystem. Services never import views nor read ``request``."""
