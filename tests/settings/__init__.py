import pytest

# small_stack's `refused` asserts on a message: rewritten as in a test module, a failure shows the values compared.
pytest.register_assert_rewrite("tests.settings.small_stack")
