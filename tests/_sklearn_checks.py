"""Running scikit-learn's estimator checks on the crnlearn estimators.

Two checks need care in this environment: the array API check only runs
when ``SCIPY_ARRAY_API=1`` was set before SciPy was imported, so it runs in
a fresh interpreter; and pandas is not a dependency, so the check of
non-array inputs must skip exactly at its pandas half.
"""

import functools
import importlib.util
import os
import subprocess
import sys
from unittest import SkipTest

import pytest

#: The array API check, run in a fresh interpreter on a copy of an estimator.
ARRAY_API_CHECK = """
from sklearn.utils.estimator_checks import check_array_api_input
from {module} import {name}
check_array_api_input("{name}", {name}(**{params!r}), **{keywords!r})
"""


def check_function(check):
    """The check function under the partials, and their keyword arguments."""
    keywords = {}
    while isinstance(check, functools.partial):
        keywords = {**check.keywords, **keywords}
        check = check.func
    return check, keywords


def run_check(estimator, check):
    """Run one check of ``parametrize_with_checks`` on ``estimator``."""
    function, keywords = check_function(check)
    if function.__name__ == "check_array_api_input" and (
        os.environ.get("SCIPY_ARRAY_API") != "1"
    ):
        cls = type(estimator)
        code = ARRAY_API_CHECK.format(
            module=cls.__module__, name=cls.__name__,
            params=estimator.get_params(), keywords=keywords,
        )
        env = {**os.environ, "SCIPY_ARRAY_API": "1"}
        run = subprocess.run([sys.executable, "-c", code], env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    elif function.__name__ == "check_classifier_data_not_an_array" and (
        importlib.util.find_spec("pandas") is None
    ):
        # The check fits on array-likes that are not arrays first and on
        # pandas objects last, so reaching the skip means the array-likes
        # passed; only the pandas half stays unchecked.
        with pytest.raises(SkipTest, match="pandas is not installed"):
            check(estimator)
    else:
        check(estimator)
