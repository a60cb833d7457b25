"""The web edge: the Flask app, its app-wide hooks, and one blueprint per area. The only package that imports Flask."""
