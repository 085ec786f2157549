"""The program run offline, apart from the library users import: recording Pulumi mocks (``offline.mocks``) and the
render a reviewer reads in a pull request (``python -m offline.render``)."""
