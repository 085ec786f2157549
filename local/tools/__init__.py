"""The real parts built from the Go module proxy: ``build.py`` builds them, each ``<family>/`` directory is one small
wrapper Go module (go.mod, go.sum and at most a main of a few lines)."""
