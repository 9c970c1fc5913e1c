"""Shipped catalog data: the illustrative sales catalog and the default priority-queue key."""
