"""One router per resource; each route declares its permission with ``auth.perm``."""
